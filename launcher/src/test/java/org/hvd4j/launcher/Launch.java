package org.hvd4j.launcher;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/** Runs hvdrun inside the test JVM and keeps what it printed. */
final class Launch {
    /** Quick JVMs for the test ranks: they do little, so start-up time dominates. */
    static final String QUICK_JVM = "-Xmx96m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:-UsePerfData";

    final int exit;
    final String out;
    final String err;
    final double seconds;

    private Launch(int exit, String out, String err, double seconds) {
        this.exit = exit;
        this.out = out;
        this.err = err;
        this.seconds = seconds;
    }

    static Launch run(String... args) {
        return run(Map.of(), args);
    }

    static Launch run(Map<String, String> extraEnv, String... args) {
        Map<String, String> env = new HashMap<>(System.getenv());
        env.put("HVD4J_JAVA_OPTS", QUICK_JVM);
        env.putAll(extraEnv);
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        long t0 = System.nanoTime();
        int code;
        try (PrintStream po = new PrintStream(o, true, StandardCharsets.UTF_8);
             PrintStream pe = new PrintStream(e, true, StandardCharsets.UTF_8)) {
            code = HvdRun.run(args, po, pe, env);
        }
        return new Launch(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8),
                (System.nanoTime() - t0) * 1e-9);
    }

    String describe() {
        return "exit " + exit + " after " + String.format("%.1f", seconds) + " s\n--- stdout ---\n" + tail(out)
                + "\n--- stderr ---\n" + tail(err);
    }

    private static String tail(String s) {
        return s.length() > 4000 ? "..." + s.substring(s.length() - 4000) : s;
    }
}
