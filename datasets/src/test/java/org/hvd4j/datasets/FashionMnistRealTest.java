package org.hvd4j.datasets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Loads the real data set from the Debian package's directory; skipped where it is absent. */
class FashionMnistRealTest {
    @Test
    void loadsDebianPackage() {
        Path dir = FashionMnistLocator.SYSTEM_DIR;
        assumeTrue(Files.isDirectory(dir), dir + " absent (apt-get install dataset-fashion-mnist)");
        FashionMnist fm = FashionMnist.load(dir, false, null);
        assertEquals(60_000, fm.train().size());
        assertEquals(10_000, fm.test().size());
        assertArrayEquals(new int[] {1, 28, 28}, fm.train().featureShape());
        int[] perClass = fm.train().classCounts(); // fails construction already if a label is outside 0..9
        for (int c = 0; c < 10; c++) {
            assertEquals(6000, perClass[c], "class " + c);
            assertEquals(1000, fm.test().classCounts()[c], "test class " + c);
        }
        // The published normalisation constants are the training set's own statistics.
        double sum = 0;
        double sq = 0;
        for (float v : fm.train().features()) {
            sum += v;
            sq += (double) v * v;
        }
        int n = fm.train().features().length;
        double mean = sum / n;
        assertEquals(0, mean, 0.01);
        assertEquals(1, Math.sqrt(sq / n - mean * mean), 0.01);
    }
}
