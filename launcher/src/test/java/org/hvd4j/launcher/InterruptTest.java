package org.hvd4j.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** hvdrun as its own process, stopped from outside: no rank may be left in the process table. */
class InterruptTest {
    private static Process startHvdrun(Path log, String marker) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-Xmx64m", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
                HvdRun.class.getName(), "-np", "2", "test-rank", "sleep", marker);
        pb.environment().put("HVD4J_JAVA_OPTS", Launch.QUICK_JVM);
        pb.redirectErrorStream(true).redirectOutput(log.toFile());
        Process p = pb.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            String text = Files.exists(log) ? Files.readString(log) : "";
            if (text.contains("[0]<stdout>:ready " + marker) && text.contains("[1]<stdout>:ready " + marker)) {
                return p;
            }
            Thread.sleep(50);
        }
        p.destroyForcibly();
        throw new AssertionError("the ranks did not start:\n" + Files.readString(log));
    }

    private static List<String> survivors(String marker) {
        return ProcessHandle.allProcesses().filter(h -> h.info().commandLine().orElse("").contains(marker))
                .map(h -> h.pid() + " " + h.info().commandLine().orElse("")).toList();
    }

    private static void signal(Process p, String sig) throws Exception {
        new ProcessBuilder("kill", "-" + sig, Long.toString(p.pid())).inheritIO().start().waitFor();
    }

    @Test
    void ctrlCStopsEveryRank(@TempDir Path dir) throws Exception {
        String marker = "hvd4j-int-" + UUID.randomUUID();
        Process p = startHvdrun(dir.resolve("log"), marker);
        List<String> jvms = survivors(marker).stream().filter(c -> c.contains(TestRank.class.getName())
                && !c.contains(RankWrapper.NAME)).toList();
        assertEquals(2, jvms.size(), "two rank JVMs before the signal: " + jvms);
        signal(p, "INT");
        assertTrue(p.waitFor(10, TimeUnit.SECONDS), "hvdrun did not end within 10 s of SIGINT");
        assertEquals(130, p.exitValue(), Files.readString(dir.resolve("log")));
        assertEquals(List.of(), survivors(marker), "ranks left behind after SIGINT");
        assertTrue(Files.readString(dir.resolve("log")).contains("hvdrun: interrupted; stopping 2 rank(s)"));
    }

    @Test
    void ranksDoNotOutliveAKilledLauncher(@TempDir Path dir) throws Exception {
        String marker = "hvd4j-kill-" + UUID.randomUUID();
        Process p = startHvdrun(dir.resolve("log"), marker);
        signal(p, "KILL");
        assertTrue(p.waitFor(5, TimeUnit.SECONDS));
        // nothing could stop them in order: their wrappers see standard input close and stop them
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(8);
        while (!survivors(marker).isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertEquals(List.of(), survivors(marker), "ranks left behind after SIGKILL of hvdrun");
    }

    static {
        // kill(1) is used to send the signals
        assertTrue(new File("/bin/kill").exists() || new File("/usr/bin/kill").exists());
    }
}
