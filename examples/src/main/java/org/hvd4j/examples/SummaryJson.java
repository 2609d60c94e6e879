package org.hvd4j.examples;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;

/**
 * Writes the one-object run summary of {@code --summary-json}: model, dataset, ranks, epochs,
 * steps, batch_size, samples_per_s, test_accuracy, test_loss, wall_s and parameters_sha256 (the
 * {@link ParameterDigest} of the final weights). Written to a temporary file
 * and renamed, so a reader never sees half a file.
 */
public final class SummaryJson {
    private SummaryJson() {
    }

    /** The JSON text for {@code r}. */
    public static String format(TrainConfig cfg, String dataset, int ranks, TrainResult r) {
        return String.format(Locale.ROOT,
                "{\"model\": \"%s\", \"dataset\": \"%s\", \"ranks\": %d, \"epochs\": %d, \"steps\": %d, "
                        + "\"batch_size\": %d, \"samples_per_s\": %s, \"test_accuracy\": %s, \"test_loss\": %s, "
                        + "\"wall_s\": %s, \"parameters_sha256\": \"%s\"}%n",
                cfg.model(), escape(dataset), ranks, r.epochs().size(), r.steps(), cfg.batchSize(),
                number(r.samplesPerSec()), number(r.testAccuracy()), number(r.testLoss()), number(r.wallSeconds()),
                r.parametersSha256());
    }

    /** {@code s} as the inside of a JSON string (a data set's path may hold quotes or backslashes). */
    static String escape(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (char ch : s.toCharArray()) {
            switch (ch) {
                case '"', '\\' -> b.append('\\').append(ch);
                default -> {
                    if (ch < 0x20) {
                        b.append(String.format(Locale.ROOT, "\\u%04x", (int) ch));
                    } else {
                        b.append(ch);
                    }
                }
            }
        }
        return b.toString();
    }

    private static String number(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.6g", v) : "null";
    }

    /** Writes {@code json} to {@code file} atomically. */
    public static void write(Path file, String json) throws IOException {
        Path abs = file.toAbsolutePath();
        Path dir = abs.getParent();
        if (dir != null) {
            Files.createDirectories(dir);
        }
        Path tmp = Files.createTempFile(dir, abs.getFileName().toString(), ".tmp");
        try {
            Files.writeString(tmp, json, StandardCharsets.UTF_8);
            Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
