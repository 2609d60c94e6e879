package org.hvd4j.examples;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.hvd4j.examples.charts.Charts;
import org.hvd4j.nn.io.TrainingState;
import org.knowm.xchart.XYChart;

/**
 * {@code --metrics-csv FILE} and {@code --plot FILE.png}: after every epoch, rank 0 rewrites the
 * CSV of all epochs so far and redraws the loss and accuracy curves, so a long run can be watched
 * while it trains. CSV columns: {@code epoch, steps, train_loss, train_accuracy, test_loss,
 * test_accuracy, samples_per_s, lr} (accuracies as fractions).
 */
final class MetricsLog implements TrainerHooks {
    static final String HEADER = "epoch,steps,train_loss,train_accuracy,test_loss,test_accuracy,samples_per_s,lr";

    private final Path csv;
    private final Path png;
    private final String title;
    private final List<EpochStats> epochs = new ArrayList<>();

    MetricsLog(Path csv, Path png, String title) {
        this.csv = csv;
        this.png = png;
        this.title = title;
    }

    @Override
    public void afterEpoch(TrainingState next, EpochStats stats) {
        epochs.add(stats);
        try {
            if (csv != null) {
                writeCsv();
            }
            if (png != null) {
                plot(png, title, epochs);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("train: cannot write the metrics to " + (csv != null ? csv : png), e);
        }
    }

    private void writeCsv() throws IOException {
        StringBuilder b = new StringBuilder(HEADER).append('\n');
        for (EpochStats s : epochs) {
            b.append(String.format(Locale.ROOT, "%d,%d,%.6f,%.6f,%.6f,%.6f,%.1f,%.6g%n", s.epoch(), s.steps(),
                    s.trainLoss(), s.trainAccuracy(), s.testLoss(), s.testAccuracy(), s.samplesPerSec(), s.lr()));
        }
        AtomicFile.writeString(csv, b.toString());
    }

    /** Loss (train, test) and accuracy (train, test, %) against the epoch, side by side. */
    static void plot(Path png, String title, List<EpochStats> epochs) throws IOException {
        int n = epochs.size();
        double[] x = new double[n];
        double[] trainLoss = new double[n];
        double[] testLoss = new double[n];
        double[] trainAcc = new double[n];
        double[] testAcc = new double[n];
        for (int i = 0; i < n; i++) {
            EpochStats s = epochs.get(i);
            x[i] = s.epoch();
            trainLoss[i] = s.trainLoss();
            testLoss[i] = s.testLoss();
            trainAcc[i] = 100 * s.trainAccuracy();
            testAcc[i] = 100 * s.testAccuracy();
        }
        XYChart loss = Charts.line(title + ": loss", "epoch", "cross-entropy", false);
        Charts.series(loss, "train", x, trainLoss);
        Charts.series(loss, "test", x, testLoss);
        loss.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.InsideNE);
        XYChart acc = Charts.line(title + ": accuracy", "epoch", "accuracy (%)", false);
        Charts.series(acc, "train", x, trainAcc);
        Charts.series(acc, "test", x, testAcc);
        acc.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.InsideSE);
        Charts.writePng(png, 640, 420, loss, acc);
    }
}
