package org.hvd4j.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class HostParserTest {
    @Test
    void parsesHostsWithSlots() {
        assertEquals(List.of(new HostSlots("a", 2), new HostSlots("b.example.com", 4), new HostSlots("10.0.0.3", 1)),
                HostParser.parseHosts("a:2,b.example.com:4,10.0.0.3"));
    }

    @Test
    void parsesBracketedIpv6() {
        assertEquals(List.of(new HostSlots("fe80::1", 2), new HostSlots("::1", 1)),
                HostParser.parseHosts("[fe80::1]:2,[::1]"));
    }

    @Test
    void pointsAtTheBadToken() {
        HostSpecException e = assertThrows(HostSpecException.class, () -> HostParser.parseHosts("a:2,b:x"));
        assertTrue(e.getMessage().contains("slots must be a positive integer, got 'x'"), e.getMessage());
        String[] lines = e.getMessage().split("\n");
        assertEquals("  a:2,b:x", lines[1]);
        assertEquals(lines[1].indexOf('x'), lines[2].indexOf('^'), e.getMessage());
    }

    @Test
    void rejectsMalformedHostLists() {
        for (String bad : new String[] {"", "a:2,,b:1", "a:2,", ":2", "a:0", "a:-1", "a:2:3", "a b:2", "[fe80::1:2",
            "a:2,a:3", "a:99999999999"}) {
            assertThrows(HostSpecException.class, () -> HostParser.parseHosts(bad), bad);
        }
        HostSpecException dup = assertThrows(HostSpecException.class, () -> HostParser.parseHosts("a:1,b:1,a:2"));
        assertTrue(dup.getMessage().contains("'a' is listed twice"), dup.getMessage());
        assertEquals(8, dup.getMessage().split("\n")[2].indexOf('^') - 2, dup.getMessage());
    }

    @Test
    void parsesHostfileWithCommentsAndBlankLines() {
        List<String> lines = List.of("# two hosts", "", "hostA slots=2   # the big one", "  hostB", "\t", "hostC slots=1");
        assertEquals(List.of(new HostSlots("hostA", 2), new HostSlots("hostB", 1), new HostSlots("hostC", 1)),
                HostParser.parseHostfile("hosts.txt", lines));
    }

    @Test
    void hostfileErrorsNameFileLineAndToken() {
        HostSpecException e = assertThrows(HostSpecException.class,
                () -> HostParser.parseHostfile("hosts.txt", List.of("a slots=2", "b slot=2")));
        assertTrue(e.getMessage().startsWith("hosts.txt:2: expected 'slots=N' after the host, got 'slot=2'"), e.getMessage());
        assertEquals(4, e.getMessage().split("\n")[2].indexOf('^'), e.getMessage());
        for (List<String> bad : List.of(List.of("a slots=0"), List.of("a slots="), List.of("a slots=2 slots=3"),
                List.of("a slots=two"), List.of("a", "a slots=2"), List.of("a$ slots=1"))) {
            assertThrows(HostSpecException.class, () -> HostParser.parseHostfile("f", bad), bad.toString());
        }
        IllegalArgumentException empty = assertThrows(IllegalArgumentException.class,
                () -> HostParser.parseHostfile("f", List.of("# nothing", "")));
        assertTrue(empty.getMessage().contains("names no hosts"), empty.getMessage());
    }
}
