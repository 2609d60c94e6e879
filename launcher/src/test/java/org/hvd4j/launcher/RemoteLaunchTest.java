package org.hvd4j.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ssh code path without an ssh server: {@code HVD4J_SSH} points at a stand-in that logs its
 * arguments and runs the remote command string with {@code sh -c} on this host, as sshd would.
 * The stand-in gets no {@code HVD4J_*} variables from hvdrun, so the ranks' environment can only
 * come through the wrapper's standard input, as it does over real ssh. (The real thing, ssh into
 * network namespaces, is scripts/multihost-test.sh.)
 */
class RemoteLaunchTest {
    private static Path fakeSsh(Path dir, String body) throws IOException {
        Path f = dir.resolve("fake-ssh");
        Files.writeString(f, "#!/bin/sh\necho \"$@\" >> " + dir.resolve("ssh.log") + "\n" + body + "\n");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rwx------"));
        return f;
    }

    /** Like sshd: the last argument is the command for the remote shell; the host is the one before it. */
    private static final String RUN_REMOTE = "for last; do :; done\nunset HVD4J_SECRET\nexec sh -c \"$last\"";

    @Test
    void remoteRanksGetTheirEnvironmentOnStdinAndMeet(@TempDir Path dir) throws IOException {
        Path ssh = fakeSsh(dir, RUN_REMOTE);
        Launch l = Launch.run(Map.of("HVD4J_SSH", ssh.toString()), "-H", "node1.invalid:2", "--network-interface", "lo",
                "-p", "2222", "--ssh-user", "trainer", "--ssh-option", "StrictHostKeyChecking=accept-new", "test-rank", "hvd");
        assertEquals(0, l.exit, l.describe());
        assertTrue(l.out.contains("[0]<stdout>:rank 0 of 2 local 0/2 sum 3"), l.describe());
        assertTrue(l.out.contains("[1]<stdout>:rank 1 of 2 local 1/2 sum 3"), l.describe());
        String log = Files.readString(dir.resolve("ssh.log"));
        assertTrue(log.startsWith("-o BatchMode=yes -o ConnectTimeout=10 -p 2222 -l trainer -o "
                + "StrictHostKeyChecking=accept-new node1.invalid true\n"), log);
        assertTrue(log.contains("node1.invalid sh -c"), log);
        assertFalse(log.contains("HVD4J_SECRET"), "the secret must not be on ssh's command line:\n" + log);
    }

    @Test
    void aFailingRemoteRankStopsTheOthersThroughTheirSshConnection(@TempDir Path dir) throws IOException {
        Path ssh = fakeSsh(dir, RUN_REMOTE);
        Launch l = Launch.run(Map.of("HVD4J_SSH", ssh.toString()), "-H", "localhost:1,node1.invalid:2",
                "--network-interface", "lo", "test-rank", "exit", "2", "5");
        assertEquals(5, l.exit, l.describe());
        assertTrue(l.seconds < 10, l.describe());
        assertTrue(l.err.contains("rank 2 on node1.invalid exited with code 5 first"), l.describe());
    }

    @Test
    void unreachableHostsAreAllListedInOneError(@TempDir Path dir) throws IOException {
        Path ssh = fakeSsh(dir, "for last; do :; done\nfor h; do [ \"$h\" = \"$last\" ] && break; host=$h; done\n"
                + "case \"$host\" in down*) echo \"ssh: connect to host $host port 22: Connection refused\" >&2; exit 255;; esac\n"
                + "exec sh -c \"$last\"");
        Launch l = Launch.run(Map.of("HVD4J_SSH", ssh.toString()), "-H", "down1.invalid:1,up.invalid:1,down2.invalid:1",
                "--network-interface", "lo", "test-rank", "hvd");
        assertEquals(2, l.exit, l.describe());
        assertTrue(l.err.contains("could not reach 2 of 3 hosts with ssh"), l.describe());
        assertTrue(l.err.contains("down1.invalid: ssh exit 255: ssh: connect to host down1.invalid port 22: Connection refused (3 tries)"),
                l.describe());
        assertTrue(l.err.contains("down2.invalid: ssh exit 255"), l.describe());
        assertFalse(l.err.contains("up.invalid:"), l.describe());
    }
}
