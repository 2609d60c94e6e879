package org.hvd4j.datasets;

import java.nio.file.Path;
import java.util.Random;
import org.hvd4j.datasets.idx.IdxArray;
import org.hvd4j.datasets.idx.IdxWriter;

/** Small generated IDX image/label files for tests. */
final class SyntheticIdx {
    private SyntheticIdx() {}

    static IdxArray images(int n, int side, long seed) {
        byte[] px = new byte[n * side * side];
        new Random(seed).nextBytes(px);
        return new IdxArray(new int[] {n, side, side}, px);
    }

    static IdxArray labels(int n, int numClasses) {
        byte[] l = new byte[n];
        for (int i = 0; i < n; i++) {
            l[i] = (byte) (i % numClasses);
        }
        return new IdxArray(new int[] {n}, l);
    }

    /** Writes the four Fashion-MNIST files (train n, test m, side x side) into dir. */
    static void writeFashionLike(Path dir, int train, int test, int side, boolean gzip) {
        String ext = gzip ? ".gz" : "";
        IdxWriter.write(dir.resolve(FashionMnist.TRAIN_IMAGES + ext), images(train, side, 1), gzip);
        IdxWriter.write(dir.resolve(FashionMnist.TRAIN_LABELS + ext), labels(train, 10), gzip);
        IdxWriter.write(dir.resolve(FashionMnist.TEST_IMAGES + ext), images(test, side, 2), gzip);
        IdxWriter.write(dir.resolve(FashionMnist.TEST_LABELS + ext), labels(test, 10), gzip);
    }
}
