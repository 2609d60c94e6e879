package org.hvd4j.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class SyntheticBenchTest {
    @TempDir
    Path tmp;

    @Test
    void meanAndConfidenceAreHorovods() {
        SyntheticBench.Result r = SyntheticBench.Result.of(new double[] {1, 2, 3}, 4);
        assertEquals(2.0, r.mean(), 1e-12);
        assertEquals(1.96 * Math.sqrt(2.0 / 3), r.conf(), 1e-12); // population sigma, as np.std
    }

    @Test
    void printsHorovodsLinesAndTheirJson() throws Exception {
        Path json = tmp.resolve("s.json");
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        int code;
        try {
            code = new CommandLine(new SyntheticBench()).execute("--model", "cnn-bn", "--batch-size", "8", "--warmup",
                    "2", "--iters", "4", "--batches-per-iter", "2", "--threads", "1", "--json", json.toString());
        } finally {
            System.setOut(old);
        }
        String out = buf.toString(StandardCharsets.UTF_8);
        assertEquals(0, code, out);
        assertTrue(out.startsWith("Model: cnn-bn\nBatch size: 8\nNumber of workers: 1 (CPU, 1 threads each)\n"
                + "Running warmup...\nRunning benchmark...\n"), out);
        List<Double> iters = new ArrayList<>();
        Matcher m = Pattern.compile("Iter #(\\d+): ([0-9.]+) img/sec per worker").matcher(out);
        while (m.find()) {
            assertEquals(iters.size(), Integer.parseInt(m.group(1)));
            iters.add(Double.parseDouble(m.group(2)));
        }
        assertEquals(4, iters.size(), out);
        Matcher fin = Pattern.compile("Img/sec per worker: ([0-9.]+) \\+-([0-9.]+)\n"
                + "Total img/sec on 1 worker\\(s\\): ([0-9.]+) \\+-([0-9.]+)\n").matcher(out);
        assertTrue(fin.find(), out);
        SyntheticBench.Result expect = SyntheticBench.Result.of(iters.stream().mapToDouble(Double::doubleValue)
                .toArray(), 1);
        assertEquals(expect.mean(), Double.parseDouble(fin.group(1)), 0.1);
        assertEquals(expect.conf(), Double.parseDouble(fin.group(2)), 0.1);
        assertEquals(fin.group(1), fin.group(3));
        String j = Files.readString(json);
        assertTrue(j.contains("\"model\": \"cnn-bn\"") && j.contains("\"workers\": 1") && j.contains("\"iters\": 4")
                && j.contains("\"img_sec_per_worker\": "), j);
        assertEquals(4, j.substring(j.indexOf("iter_img_sec")).split(",").length, j);
    }

    @Test
    void badOptionsAreUsageErrors() {
        PrintStream old = System.err;
        System.setErr(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        try {
            assertEquals(2, SyntheticBench.commandLine().execute("--model", "resnet50"));
            assertEquals(2, SyntheticBench.commandLine().execute("--iters", "0"));
            assertEquals(2, SyntheticBench.commandLine().execute("--precision", "bf16"), "bf16 needs a CUDA device");
            assertEquals(2, SyntheticBench.commandLine().execute("--device", "emulated-cuda", "--precision", "fp8"));
        } finally {
            System.setErr(old);
        }
    }
}
