package org.hvd4j.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The committed PTX ({@code src/main/resources/org/hvd4j/cuda/hvd4j_kernels.ptx}) must be what
 * {@code scripts/build-ptx.sh} makes of {@code src/main/cuda}, so that nobody ships kernels older
 * than their sources.
 *
 * <ul>
 *   <li>Always (no CUDA needed): the PTX's first line records the SHA-256 of the sources as they are
 *       now.</li>
 *   <li>When nvcc is there (system property {@code hvd4j.nvcc}, set by the {@code nvcc} profile when
 *       {@code /usr/local/cuda/bin/nvcc} exists; else {@code NVCC}, {@code nvcc} on PATH,
 *       {@code /usr/local/cuda/bin/nvcc}): the script compiles the sources into {@code target/} and
 *       the result must equal the committed file byte for byte. Without nvcc this part is skipped
 *       (reported as skipped, with the reason). It is skipped too when the local nvcc's release differs
 *       from the one named in the committed PTX, since another compiler writes other bytes, and when
 *       {@code -Dhvd4j.nvcc=none} asks for it.</li>
 * </ul>
 */
class PtxFreshnessTest {
    private static final Pattern RELEASE = Pattern.compile("Cuda compilation tools, release [^\\r\\n]*");

    @Test
    void committedPtxRecordsTheHashOfTheSources() throws IOException {
        Path ptx = KernelSources.committedPtx();
        assertTrue(Files.isRegularFile(ptx), "no committed PTX at " + ptx + ": run scripts/build-ptx.sh and commit it");
        String first;
        try (var lines = Files.lines(ptx, StandardCharsets.UTF_8)) {
            first = lines.findFirst().orElse("");
        }
        assertTrue(first.startsWith(KernelSources.HASH_LINE),
                "the PTX's first line is not '" + KernelSources.HASH_LINE + "<hex>' but '" + first + "': "
                        + KernelSources.STALE);
        String recorded = first.substring(KernelSources.HASH_LINE.length()).trim();
        String now = KernelSources.sourcesHash();
        assertEquals(now, recorded, KernelSources.STALE + " (sources hash " + now + ", the PTX records " + recorded
                + "; hashed: " + KernelSources.hashedSources().stream().map(p -> p.getFileName().toString()).toList()
                + ")");
    }

    @Test
    void committedPtxIsWhatNvccMakesOfTheSources() throws IOException, InterruptedException {
        String required = System.getProperty("hvd4j.nvcc", "").trim();
        if (required.equals("none")) {
            String why = "-Dhvd4j.nvcc=none: the byte-for-byte check of the committed PTX is skipped; the sources-hash "
                    + "check still ran";
            System.err.println("PtxFreshnessTest: " + why);
            Assumptions.abort(why);
        }
        Path nvcc = required.isEmpty() ? findNvcc() : Path.of(required);
        if (!required.isEmpty() && !Files.isExecutable(nvcc)) {
            fail("hvd4j.nvcc names " + nvcc + ", which is not an executable file");
        }
        if (nvcc == null) {
            String why = "nvcc not found (hvd4j.nvcc, NVCC, PATH, /usr/local/cuda/bin/nvcc): the byte-for-byte check "
                    + "of the committed PTX is skipped; the sources-hash check still ran";
            System.err.println("PtxFreshnessTest: " + why);
            Assumptions.abort(why);
        }
        String committed = Files.readString(KernelSources.committedPtx(), StandardCharsets.UTF_8);
        String localRelease = release(run(List.of(nvcc.toString(), "--version"), null).output);
        String committedRelease = release(committed);
        if (localRelease == null || !localRelease.equals(committedRelease)) {
            String why = nvcc + " is '" + localRelease + "' but the committed PTX was built by '" + committedRelease
                    + "': the byte-for-byte check is skipped (another nvcc writes other bytes); the sources-hash "
                    + "check still ran";
            System.err.println("PtxFreshnessTest: " + why);
            Assumptions.abort(why);
        }

        Path out = KernelSources.module().resolve("target/ptx-check/hvd4j_kernels.ptx");
        Files.createDirectories(out.getParent());
        Files.deleteIfExists(out);
        Result r = run(List.of("bash", KernelSources.buildScript().toString(), "--out", out.toString()), nvcc);
        if (r.exit != 0) {
            fail("scripts/build-ptx.sh failed with exit code " + r.exit + ":\n" + r.output);
        }
        byte[] built = Files.readAllBytes(out);
        byte[] shipped = Files.readAllBytes(KernelSources.committedPtx());
        if (!Arrays.equals(built, shipped)) {
            fail(KernelSources.STALE + " (" + out + " differs from the committed file"
                    + firstDifference(committed, new String(built, StandardCharsets.UTF_8)) + ")");
        }
    }

    private static String firstDifference(String committed, String built) {
        String[] c = committed.split("\n", -1);
        String[] b = built.split("\n", -1);
        for (int i = 0; i < Math.max(c.length, b.length); i++) {
            String cl = i < c.length ? c[i] : "<end of file>";
            String bl = i < b.length ? b[i] : "<end of file>";
            if (!cl.equals(bl)) {
                return "; first at line " + (i + 1) + ": committed '" + cl + "', built '" + bl + "'";
            }
        }
        return "";
    }

    private static String release(String text) {
        Matcher m = RELEASE.matcher(text);
        return m.find() ? m.group().trim() : null;
    }

    /** NVCC, then nvcc on PATH, then /usr/local/cuda/bin/nvcc; null when none is executable. */
    private static Path findNvcc() {
        List<Path> candidates = new ArrayList<>();
        String env = System.getenv("NVCC");
        if (env != null && !env.isBlank()) {
            candidates.add(Path.of(env.trim()));
        }
        String path = System.getenv("PATH");
        if (path != null) {
            for (String dir : path.split(File.pathSeparator)) {
                if (!dir.isEmpty()) {
                    candidates.add(Path.of(dir, "nvcc"));
                }
            }
        }
        candidates.add(Path.of("/usr/local/cuda/bin/nvcc"));
        for (Path p : candidates) {
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return p.toAbsolutePath();
            }
        }
        return null;
    }

    private record Result(int exit, String output) {
    }

    private static Result run(List<String> command, Path nvcc) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.directory(KernelSources.module().toFile());
        if (nvcc != null) {
            pb.environment().put("NVCC", nvcc.toString());
        }
        Process p = pb.start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes(); // until the process closes its output
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            fail(String.join(" ", command) + " did not finish in 5 minutes");
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }
}
