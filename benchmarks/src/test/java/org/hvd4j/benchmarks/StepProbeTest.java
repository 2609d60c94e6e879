package org.hvd4j.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class StepProbeTest {
    @Test
    void summaryIsOverTheGivenStepsInMicroseconds() {
        long[] v = new long[200];
        for (int i = 0; i < v.length; i++) {
            v[i] = i < 100 ? 1_000_000_000L : (i - 99) * 1_000L; // the first half must not count
        }
        // second half: 1..100 µs
        assertEquals("median      51  mean      51  p90      91  p95      96  p99     100", StepProbe.summary(v, 100));
    }

    @Test
    void timesEveryPhaseOfASingleRank() {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        int code;
        try {
            code = new CommandLine(new StepProbe()).execute("--model", "mlp", "--mode", "dist", "--steps", "20",
                    "--batch-size", "16");
        } finally {
            System.setOut(old);
        }
        String out = buf.toString(StandardCharsets.UTF_8);
        assertEquals(0, code, out);
        assertTrue(out.startsWith("step-probe: mlp, mode dist, rank 0 of 1, steps 10-20 of 20, µs:\n"), out);
        double[] median = new double[4];
        String[] phases = {"forward\\+backward", "sync", "update", "step"};
        for (int p = 0; p < phases.length; p++) {
            Matcher m = Pattern.compile(phases[p] + " +median +([0-9]+) +mean +([0-9]+) +p90").matcher(out);
            assertTrue(m.find(), phases[p] + " in\n" + out);
            median[p] = Double.parseDouble(m.group(1));
        }
        assertTrue(median[0] > 0 && median[3] >= median[0], out); // a step contains its forward and backward
    }

    @Test
    void anUnknownModeIsAUsageError() {
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new StepProbe());
        cli.setErr(new PrintWriter(err));
        assertEquals(2, cli.execute("--mode", "fast"));
        assertTrue(err.toString().contains("--mode alone, barrier, dist or raw"), err.toString());
    }
}
