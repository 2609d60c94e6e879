package org.hvd4j.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.hvd4j.datasets.Batch;
import org.hvd4j.datasets.DataLoader;
import org.hvd4j.datasets.Dataset;
import org.hvd4j.datasets.DistributedSampler;
import org.hvd4j.datasets.FashionMnist;
import org.hvd4j.datasets.hdf5.FashionMnistHdf5;
import org.hvd4j.datasets.hdf5.FeatureNormalization;
import org.hvd4j.datasets.hdf5.Hdf5Dataset;
import org.hvd4j.datasets.hdf5.Hdf5Source;
import org.hvd4j.datasets.hdf5.Layout;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code data-bench}: how fast the training loader delivers Fashion-MNIST's 60,000 training
 * samples from the IDX files and from HDF5 copies of them (contiguous, and chunked + gzip; held
 * in memory and streamed from the file), in shuffled mini-batches as {@code train} reads them.
 * Prints, per source, the time to open it and the median (min..max) samples/s over the epochs,
 * with the ratio to IDX. With {@code --prefetch 0} (the default) batches are filled on the
 * measuring thread, so the figure is the reading and decoding rate itself; every source must give
 * the same feature checksum, or the bench fails.
 */
@Command(name = "data-bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Loader throughput: IDX against HDF5 (contiguous, chunked+gzip; held, streamed).")
public final class DataBench implements Callable<Integer> {
    @Option(names = "--data-dir", description = "Fashion-MNIST's IDX files (default: the usual places)")
    Path dataDir;

    @Option(names = "--work-dir", description = "where the HDF5 copies (fashion-mnist.h5, fashion-mnist-chunked-gzip.h5)"
            + " are written (default: a temporary directory)")
    Path workDir;

    @Option(names = "--epochs", description = "epochs per source; the median is reported (default: ${DEFAULT-VALUE})",
            defaultValue = "5")
    int epochs;

    @Option(names = "--batch-size", description = "samples per batch (default: ${DEFAULT-VALUE})", defaultValue = "128")
    int batchSize;

    @Option(names = "--prefetch", description = "batches filled ahead by the loader thread (default: ${DEFAULT-VALUE})",
            defaultValue = "0")
    int prefetch;

    @Option(names = "--chunk-rows", description = "rows per chunk of the chunked copy (default: ${DEFAULT-VALUE})",
            defaultValue = "256")
    int chunkRows;

    @Option(names = "--gzip", description = "gzip level of the chunked copy (default: ${DEFAULT-VALUE})",
            defaultValue = "4")
    int gzip;

    private record Result(String source, double openSeconds, double[] rates, double checksum) {
        double median() {
            double[] r = rates.clone();
            Arrays.sort(r);
            return r.length % 2 == 1 ? r[r.length / 2] : (r[r.length / 2 - 1] + r[r.length / 2]) / 2;
        }
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new DataBench()).execute(args));
    }

    @Override
    public Integer call() throws IOException {
        Path dir = workDir != null ? Files.createDirectories(workDir) : Files.createTempDirectory("hvd4j-data-bench");
        FashionMnist fm = FashionMnist.load(dataDir, false, null);
        Path contiguous = dir.resolve("fashion-mnist.h5");
        Path chunked = dir.resolve("fashion-mnist-chunked-gzip.h5");
        FashionMnistHdf5.write(fm.source(), contiguous, 0, 0);
        FashionMnistHdf5.write(fm.source(), chunked, chunkRows, gzip);
        System.out.printf(Locale.ROOT, "data-bench: %d samples, batch %d, prefetch %d, %d epochs each; "
                + "chunked copy: %d rows a chunk, gzip %d (%.1f MiB; contiguous %.1f MiB)%n", fm.train().size(),
                batchSize, prefetch, epochs, chunkRows, gzip, Files.size(chunked) / 1048576.0,
                Files.size(contiguous) / 1048576.0);
        List<Source> sources = new ArrayList<>();
        try {
            long t0 = System.nanoTime();
            sources.add(new Source("IDX (gzip files), held", FashionMnist.load(fm.source(), false, null).train(),
                    seconds(t0)));
            sources.add(hdf5("HDF5 contiguous, held", contiguous, Long.MAX_VALUE));
            sources.add(hdf5("HDF5 chunked+gzip, held", chunked, Long.MAX_VALUE));
            sources.add(hdf5("HDF5 contiguous, streamed", contiguous, 0));
            sources.add(hdf5("HDF5 chunked+gzip, streamed", chunked, 0));
            // side by side: round r runs one epoch of every source; round 0 warms up and is not counted
            for (int r = 0; r <= epochs; r++) {
                for (Source src : sources) {
                    src.epoch(r, r > 0);
                }
            }
        } finally {
            for (Source src : sources) {
                src.close();
            }
        }
        List<Result> results = sources.stream().map(Source::result).toList();
        double base = results.get(0).median();
        System.out.printf(Locale.ROOT, "%-30s %8s %14s %22s %8s%n", "source", "open_s", "samples/s", "min..max",
                "vs IDX");
        for (Result r : results) {
            double[] s = r.rates().clone();
            Arrays.sort(s);
            System.out.printf(Locale.ROOT, "%-30s %8.2f %14.0f %22s %7.2fx%n", r.source(), r.openSeconds(), r.median(),
                    String.format(Locale.ROOT, "%.0f..%.0f", s[0], s[s.length - 1]), r.median() / base);
            if (r.checksum() != results.get(0).checksum()) {
                System.err.println("data-bench: " + r.source() + " delivered different features (checksum "
                        + r.checksum() + " vs " + results.get(0).checksum() + ")");
                return 1;
            }
        }
        return 0;
    }

    private static double seconds(long t0) {
        return (System.nanoTime() - t0) * 1e-9;
    }

    private Source hdf5(String name, Path file, long budget) {
        long t0 = System.nanoTime();
        Hdf5Dataset d = Hdf5Dataset.open(new Hdf5Source(file, FashionMnistHdf5.TRAIN_X, FashionMnistHdf5.TRAIN_Y), Layout.NCHW,
                FeatureNormalization.AUTO, FashionMnist.NUM_CLASSES, budget);
        return new Source(name, d, seconds(t0));
    }

    /** One source under test: its loader and the rates of its counted epochs. */
    private final class Source implements AutoCloseable {
        final String name;
        final Dataset data;
        final double openSeconds;
        final DataLoader loader;
        final double[] rates = new double[epochs];
        double checksum;

        Source(String name, Dataset data, double openSeconds) {
            this.name = name;
            this.data = data;
            this.openSeconds = openSeconds;
            this.loader = new DataLoader(data, new DistributedSampler(data.size(), 1, 0, 42, true, false), batchSize,
                    false, prefetch);
        }

        void epoch(int round, boolean counted) {
            double sum = 0;
            int samples = 0;
            long t0 = System.nanoTime();
            try (DataLoader.Epoch it = loader.epoch(round)) {
                Batch b;
                while ((b = it.next()) != null) {
                    samples += b.size();
                    sum += b.features()[0] + b.features()[b.size() * b.featureSize() - 1];
                }
            }
            if (counted) {
                rates[round - 1] = samples / seconds(t0);
                checksum += sum;
            }
        }

        Result result() {
            return new Result(name, openSeconds, rates, checksum);
        }

        @Override
        public void close() {
            loader.close();
            if (data instanceof Hdf5Dataset h) {
                h.close();
            }
        }
    }
}
