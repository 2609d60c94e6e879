package org.hvd4j.examples;

import java.io.PrintStream;
import java.util.Locale;

/**
 * Progress output of {@code train}. On a terminal: a progress bar per epoch redrawn in place
 * (steps, loss, samples/s, ETA), at most ten times a second. Otherwise (a pipe, a log file, CI):
 * one plain line per epoch, so logs stay readable.
 */
public final class ProgressReporter {
    private static final long REDRAW_NANOS = 100_000_000L;

    private final PrintStream out;
    private final boolean interactive;
    private int epoch;
    private int epochs;
    private int steps;
    private long epochStart;
    private long lastDraw;

    public ProgressReporter(PrintStream out, boolean interactive) {
        this.out = out;
        this.interactive = interactive;
    }

    /** A reporter that draws a bar when stdout is a terminal. */
    public static ProgressReporter forStdout() {
        return new ProgressReporter(System.out, System.console() != null);
    }

    /** A reporter that prints nothing (for tests). */
    public static ProgressReporter silent() {
        return new ProgressReporter(new PrintStream(java.io.OutputStream.nullOutputStream()), false);
    }

    void startEpoch(int epochNumber, int totalEpochs, int stepsInEpoch) {
        this.epoch = epochNumber;
        this.epochs = totalEpochs;
        this.steps = stepsInEpoch;
        this.epochStart = System.nanoTime();
        this.lastDraw = 0;
    }

    void step(int done, double meanLoss, double samplesPerSec) {
        if (!interactive) {
            return;
        }
        long now = System.nanoTime();
        if (done < steps && now - lastDraw < REDRAW_NANOS) {
            return;
        }
        lastDraw = now;
        double elapsed = (now - epochStart) * 1e-9;
        double eta = done > 0 ? elapsed / done * (steps - done) : 0;
        int width = 30;
        int filled = (int) ((long) width * done / Math.max(1, steps));
        String bar = "=".repeat(filled) + (filled < width ? ">" + " ".repeat(width - filled - 1) : "");
        out.printf(Locale.ROOT, "\repoch %d/%d [%s] %d/%d loss %.4f %,.0f samples/s ETA %s ",
                epoch, epochs, bar, done, steps, meanLoss, samplesPerSec, clock(eta));
        out.flush();
    }

    void endEpoch(EpochStats s) {
        if (interactive) {
            out.print("\r\033[K");
        }
        out.println(line(s));
        out.flush();
    }

    /** The plain per-epoch line. */
    static String line(EpochStats s) {
        return String.format(Locale.ROOT,
                "epoch %d: train loss %.4f, train acc %.2f%%, test loss %.4f, test acc %.2f%%, %.0f samples/s, lr %.4g",
                s.epoch(), s.trainLoss(), 100 * s.trainAccuracy(), s.testLoss(), 100 * s.testAccuracy(),
                s.samplesPerSec(), s.lr());
    }

    private static String clock(double seconds) {
        long s = Math.round(seconds);
        return String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }
}
