package org.hvd4j.examples;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import org.hvd4j.allreduce.runtime.JsonText;

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
                "{\"model\": \"%s\", \"dataset\": %s, \"ranks\": %d, \"epochs\": %d, \"steps\": %d, "
                        + "\"batch_size\": %d, \"samples_per_s\": %s, \"test_accuracy\": %s, \"test_loss\": %s, "
                        + "\"wall_s\": %s, \"parameters_sha256\": \"%s\"}%n",
                cfg.model(), JsonText.quote(dataset), ranks, r.epochs().size(), r.steps(), cfg.batchSize(),
                number(r.samplesPerSec()), number(r.testAccuracy()), number(r.testLoss()), number(r.wallSeconds()),
                r.parametersSha256());
    }

    private static String number(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.6g", v) : "null";
    }

    /** Writes {@code json} to {@code file} atomically. */
    public static void write(Path file, String json) throws IOException {
        AtomicFile.writeString(file, json);
    }
}
