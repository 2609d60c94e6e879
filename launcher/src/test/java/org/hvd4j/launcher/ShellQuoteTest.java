package org.hvd4j.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The remote command string must give the remote shell exactly the words hvdrun meant. */
class ShellQuoteTest {
    @Test
    void wordsSurviveTheRemoteShellUnchanged() throws Exception {
        List<String> words = List.of("plain", "two words", "it's", "$HOME", "`date`", "a\"b", "back\\slash", "", "*",
                "semi;colon", "tab\there", "ünïcode", "--opt=x y");
        List<String> argv = new ArrayList<>(List.of("printf", "%s\\n"));
        argv.addAll(words);
        Process p = new ProcessBuilder("sh", "-c", ShellQuote.join(argv)).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor());
        assertEquals(String.join("\n", words) + "\n", out);
    }

    @Test
    void environmentLinesRejectWhatTheWrapperCannotCarry() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("A", "1");
        env.put("B", "x y=z");
        assertEquals("A=1\nB=x y=z\n\n", RankWrapper.environmentLines(env));
        assertThrows(IllegalArgumentException.class, () -> RankWrapper.checkVariable("1A", "x"));
        assertThrows(IllegalArgumentException.class, () -> RankWrapper.checkVariable("A-B", "x"));
        assertThrows(IllegalArgumentException.class, () -> RankWrapper.checkVariable("A", "two\nlines"));
    }
}
