package org.hvd4j.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real jobs on this host: hvdrun in this JVM, ranks as child JVMs of the {@code test-rank} program. */
class HvdRunJobTest {
    @Test
    void ranksGetTheirPlaceAndMeetThroughTheLaunchersRendezvous() {
        Launch l = Launch.run("-np", "3", "test-rank", "hvd");
        assertEquals(0, l.exit, l.describe());
        for (int r = 0; r < 3; r++) {
            assertTrue(l.out.contains("[" + r + "]<stdout>:rank " + r + " of 3 local " + r + "/3 sum 6"), l.describe());
        }
    }

    @Test
    void aFailingRankStopsTheJobWithItsExitCode() {
        Launch l = Launch.run("-np", "3", "test-rank", "exit", "1", "3");
        assertEquals(3, l.exit, l.describe());
        assertTrue(l.seconds < 10, l.describe());
        assertTrue(l.err.contains("hvdrun: rank 1 on localhost exited with code 3 first"), l.describe());
        assertTrue(l.err.contains("last lines of rank 1's stderr:\n  rank 1 fails on purpose"), l.describe());
    }

    @Test
    void aKilledRankIsReportedWithItsSignal() {
        Launch l = Launch.run("-np", "2", "sh", "-c", "if [ \"$HVD4J_RANK\" = 1 ]; then sleep 0.3; kill -9 $$; fi; exec sleep 60");
        assertEquals(137, l.exit, l.describe());
        assertTrue(l.seconds < 10, l.describe());
        assertTrue(l.err.contains("rank 1 on localhost was killed by signal 9 (SIGKILL)"), l.describe());
    }

    @Test
    void aRankThatIgnoresSigtermIsKilledAfterTheGracePeriod() throws InterruptedException {
        String marker = "61." + System.nanoTime() % 1000;
        Launch l = Launch.run("-np", "2", "--kill-grace-seconds", "1", "sh", "-c",
                "if [ \"$HVD4J_RANK\" = 0 ]; then sleep 0.3; exit 4; fi; trap '' TERM; sleep " + marker);
        assertEquals(4, l.exit, l.describe());
        assertTrue(l.seconds < 6, l.describe());
        assertEquals(List.of(), ProcessHandle.allProcesses()
                .filter(h -> h.info().commandLine().orElse("").contains("sleep " + marker)).toList());
    }

    @Test
    void ranksThatNeverReachTheRendezvousAreNamed() {
        Launch l = Launch.run("-np", "3", "--start-timeout", "3", "test-rank", "late", "2");
        assertTrue(l.exit != 0, l.describe());
        assertTrue(l.seconds < 15, l.describe());
        assertTrue(l.err.contains("2 (localhost)") || l.err.contains("ranks [2]"), l.describe());
    }

    @Test
    void connectionsWithoutTheJobSecretAreRejected() {
        Launch l = Launch.run("-np", "2", "test-rank", "auth-probe");
        assertEquals(0, l.exit, l.describe());
        assertTrue(l.out.contains("[0]<stdout>:rendezvous with a wrong secret: rejected"), l.describe());
        assertTrue(l.out.contains("[0]<stdout>:rank 1 with a wrong secret: rejected"), l.describe());
    }

    @Test
    void heavyConcurrentOutputIsNeverMixedMidLine(@TempDir Path dir) throws Exception {
        int ranks = 4;
        int lines = 20_000;
        Launch l = Launch.run("-np", Integer.toString(ranks), "--output-filename", dir.toString(), "test-rank", "spam",
                Integer.toString(lines));
        assertEquals(0, l.exit, l.describe());
        Pattern out = Pattern.compile("\\[(\\d)]<stdout>:rank (\\d) out (\\d+) (o*)");
        Pattern err = Pattern.compile("\\[(\\d)]<stderr>:rank (\\d) err (\\d+) (e*)");
        check(l.out, out, ranks, lines, 89);
        check(l.err.lines().filter(s -> !s.startsWith("hvdrun")).collect(Collectors.joining("\n")), err, ranks, lines, 97);
        for (int r = 0; r < ranks; r++) {
            List<String> raw = Files.readAllLines(dir.resolve("rank." + r).resolve("stdout"));
            assertEquals(lines, raw.size());
            assertEquals("rank " + r + " out 7 " + "o".repeat(7), raw.get(7));
            assertEquals(lines, Files.readAllLines(dir.resolve("rank." + r).resolve("stderr")).size());
        }
    }

    /** Every line whole and well formed, each rank's lines complete and in order. */
    private static void check(String text, Pattern p, int ranks, int lines, int mod) {
        int[] next = new int[ranks];
        List<String> bad = new ArrayList<>();
        for (String line : text.split("\n")) {
            Matcher m = p.matcher(line);
            if (!m.matches() || !m.group(1).equals(m.group(2))) {
                bad.add(line);
                continue;
            }
            int r = Integer.parseInt(m.group(1));
            int i = Integer.parseInt(m.group(3));
            if (i != next[r] || m.group(4).length() != i % mod) {
                bad.add(line);
            }
            next[r] = i + 1;
        }
        assertTrue(bad.isEmpty(), bad.size() + " malformed or out-of-order lines, first: " + (bad.isEmpty() ? "" : bad.get(0)));
        for (int r = 0; r < ranks; r++) {
            assertEquals(lines, next[r], "lines of rank " + r);
        }
    }

    @Test
    void dryRunShowsHostsEnvironmentAndCommandButNotTheSecret() {
        Launch l = Launch.run("-np", "3", "-H", "localhost:2,127.0.0.1:2", "--dry-run", "--env", "FOO=bar baz",
                "--fusion-threshold-mb", "32", "test-rank", "hvd");
        assertEquals(0, l.exit, l.describe());
        assertTrue(l.out.contains("rank 2 on 127.0.0.1 (local rank 0 of 1, cross rank 1 of 2), started here"), l.out);
        assertTrue(l.out.contains("HVD4J_SECRET='<secret>'"), l.out);
        assertTrue(l.out.contains("FOO='bar baz'") && l.out.contains("HVD4J_FUSION_THRESHOLD=33554432"), l.out);
        assertTrue(l.out.contains("org.hvd4j.launcher.TestRank hvd"), l.out);
    }

    @Test
    void hostfileEnvironmentAndTimelineReachTheRanks(@TempDir Path dir) throws Exception {
        Path hosts = dir.resolve("hosts");
        Files.writeString(hosts, "# one host, two slots\n\nlocalhost slots=2   # this machine\n");
        Path timeline = dir.resolve("timeline.json");
        Launch l = Launch.run(java.util.Map.of("HVD4J_TEST_FROM_SHELL", "shell value"), "--hostfile", hosts.toString(),
                "--timeline", timeline.toString(), "--env", "HVD4J_TEST_FROM_SHELL", "--env", "GREETING=hello there",
                "sh", "-c", "echo \"$HVD4J_RANK/$HVD4J_SIZE $HVD4J_HOSTNAME [$GREETING] [$HVD4J_TEST_FROM_SHELL] "
                        + "[$HVD4J_TIMELINE]\"");
        assertEquals(0, l.exit, l.describe());
        for (int r = 0; r < 2; r++) {
            assertTrue(l.out.contains("[" + r + "]<stdout>:" + r + "/2 localhost [hello there] [shell value] [" + timeline
                    + "]"), l.describe());
        }
        Launch hvd = Launch.run("--hostfile", hosts.toString(), "--timeline", timeline.toString(), "test-rank", "hvd");
        assertEquals(0, hvd.exit, hvd.describe());
        String trace = Files.readString(timeline);
        assertTrue(trace.startsWith("[") && trace.strip().endsWith("]") && trace.contains("ALLREDUCE"), trace);
    }

    @Test
    void ranksAreBoundToTheirShareOfTheCpusWhenAsked() throws Exception {
        java.util.List<Integer> all = org.hvd4j.allreduce.CpuBinding.allowedCpus(
                Files.readString(Path.of("/proc/self/status")));
        Launch bound = Launch.run("-np", "2", "--bind-to", "core", "test-rank", "cpus");
        assertEquals(0, bound.exit, bound.describe());
        for (int r = 0; r < 2; r++) {
            // fewer CPUs than ranks: nothing is bound (and each rank keeps all of them)
            java.util.List<Integer> share = all.size() >= 2 ? all.subList(r * all.size() / 2, (r + 1) * all.size() / 2) : all;
            int threads = Math.max(1, all.size() >= 2 ? share.size() : all.size() / 2);
            assertTrue(bound.out.contains("rank " + r + " cpus [" + org.hvd4j.allreduce.CpuBinding.format(share)
                    + "] threads " + threads), all + "\n" + bound.describe());
        }
        Launch free = Launch.run("-np", "2", "test-rank", "cpus"); // unbound by default
        assertEquals(0, free.exit, free.describe());
        for (int r = 0; r < 2; r++) {
            assertTrue(free.out.contains("rank " + r + " cpus [" + org.hvd4j.allreduce.CpuBinding.format(all) + "]"),
                    free.describe());
        }
        Launch typo = Launch.run("-np", "2", "--bind-to", "socket", "test-rank", "cpus");
        assertEquals(2, typo.exit, typo.describe());
        assertTrue(typo.err.contains("--bind-to must be core or none, got 'socket'"), typo.describe());
    }

    @Test
    void builtInProgramsRunWithTheVectorApiAndItsNoticeIsDropped(@TempDir Path dir) throws Exception {
        Launch l = Launch.run("-np", "2", "--output-filename", dir.toString(), "test-rank", "simd");
        assertEquals(0, l.exit, l.describe());
        for (int r = 0; r < 2; r++) {
            assertTrue(l.out.contains("[" + r + "]<stdout>:rank " + r + " simd true"), l.describe());
            assertEquals(List.of(), Files.readAllLines(dir.resolve("rank." + r).resolve("stderr")), "rank " + r);
        }
        assertFalse(l.err.contains("incubator"), l.describe());
    }

    @Test
    void badOptionsExitWithUsageErrors() {
        Launch tooMany = Launch.run("-np", "5", "-H", "a:2,b:2", "test-rank", "hvd");
        assertEquals(2, tooMany.exit, tooMany.describe());
        assertTrue(tooMany.err.contains("-np 5 asks for more ranks than the 4 slots"), tooMany.describe());
        Launch typo = Launch.run("-np", "2", "trian");
        assertEquals(2, typo.exit, typo.describe());
        assertTrue(typo.err.contains("'trian' is neither a built-in program (test-rank) nor a command"), typo.describe());
        Launch badHosts = Launch.run("-H", "a:2,b:", "test-rank", "hvd");
        assertEquals(2, badHosts.exit, badHosts.describe());
        assertTrue(badHosts.err.contains("slots must be a positive integer"), badHosts.describe());
        Launch badEnv = Launch.run("--env", "HVD4J_RANK=3", "test-rank", "hvd");
        assertEquals(2, badEnv.exit, badEnv.describe());
        assertFalse(badEnv.err.isEmpty());
    }
}
