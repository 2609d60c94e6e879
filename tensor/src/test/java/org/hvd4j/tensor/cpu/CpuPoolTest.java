package org.hvd4j.tensor.cpu;

import static org.hvd4j.tensor.cpu.KernelTestSupport.B;
import static org.hvd4j.tensor.cpu.KernelTestSupport.assertClose;
import static org.hvd4j.tensor.cpu.KernelTestSupport.tensor;
import static org.hvd4j.tensor.cpu.KernelTestSupport.uniform;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import org.hvd4j.tensor.DType;
import org.hvd4j.tensor.PoolGeometry;
import org.hvd4j.tensor.Shape;
import org.hvd4j.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Max and average pooling, forward and backward, against naive window loops. */
class CpuPoolTest {

    @ParameterizedTest(name = "H={0} W={1} k={2}x{3} s={4}x{5} p={6}x{7}")
    @CsvSource({
        "4, 4, 2, 2, 2, 2, 0, 0",
        "5, 7, 3, 3, 2, 2, 1, 1",
        "6, 5, 3, 2, 1, 2, 1, 1",
        "7, 7, 3, 3, 3, 3, 0, 0",
        "5, 5, 2, 2, 1, 1, 1, 1"})
    void maxAndAvgPoolForwardAndBackward(int h, int w, int kh, int kw, int sh, int sw, int ph, int pw) {
        PoolGeometry g = new PoolGeometry(h, w, kh, kw, sh, sw, ph, pw);
        int planes = 6;
        int oh = g.outHeight();
        int ow = g.outWidth();
        Random rng = new Random(h * 100 + w * 10 + kh + sh + ph);
        float[] x = uniform(rng, planes * h * w, -2, 2); // all negative in places: padding must not win
        for (int i = 0; i < h * w; i++) {
            x[i] = -1f - i; // plane 0 entirely negative
        }
        float[] gy = uniform(rng, planes * oh * ow);
        Tensor xt = tensor(x, planes, h, w);
        Shape outShape = Shape.of(planes, oh, ow);
        Tensor y = Tensor.empty(B, DType.FLOAT32, outShape);
        Tensor idx = Tensor.empty(B, DType.INT32, outShape);
        B.maxPool2d(xt, planes, g, y, idx);
        Tensor gxMax = Tensor.full(B, 7f, planes, h, w); // overwritten, not accumulated
        B.maxPool2dBackward(tensor(gy, planes, oh, ow), idx, planes, g, gxMax);
        Tensor a = Tensor.empty(B, DType.FLOAT32, outShape);
        B.avgPool2d(xt, planes, g, a);
        Tensor gxAvg = Tensor.full(B, 7f, planes, h, w);
        B.avgPool2dBackward(tensor(gy, planes, oh, ow), planes, g, gxAvg);

        double[] expMax = new double[planes * oh * ow];
        int[] expIdx = new int[planes * oh * ow];
        double[] expAvg = new double[planes * oh * ow];
        double[] expGMax = new double[planes * h * w];
        double[] expGAvg = new double[planes * h * w];
        for (int p = 0; p < planes; p++) {
            for (int r = 0; r < oh; r++) {
                for (int c = 0; c < ow; c++) {
                    int o = (p * oh + r) * ow + c;
                    double best = Double.NEGATIVE_INFINITY;
                    int bestAt = -1;
                    double sum = 0;
                    for (int i = 0; i < kh; i++) {
                        for (int j = 0; j < kw; j++) {
                            int iy = r * sh - ph + i;
                            int ix = c * sw - pw + j;
                            if (iy < 0 || iy >= h || ix < 0 || ix >= w) {
                                continue;
                            }
                            double v = x[(p * h + iy) * w + ix];
                            sum += v;
                            if (v > best) {
                                best = v;
                                bestAt = iy * w + ix;
                            }
                        }
                    }
                    expMax[o] = best;
                    expIdx[o] = bestAt;
                    expAvg[o] = sum / (kh * kw); // padding counts in the divisor
                    expGMax[p * h * w + bestAt] += gy[o];
                    for (int i = 0; i < kh; i++) {
                        for (int j = 0; j < kw; j++) {
                            int iy = r * sh - ph + i;
                            int ix = c * sw - pw + j;
                            if (iy >= 0 && iy < h && ix >= 0 && ix < w) {
                                expGAvg[(p * h + iy) * w + ix] += gy[o] / (kh * kw);
                            }
                        }
                    }
                }
            }
        }
        assertClose("maxPool", expMax, y.toFloatArray(), 0, 0);
        assertArrayEquals(expIdx, idx.toIntArray(), "maxPool indices (flat h*W+w)");
        assertClose("maxPool backward", expGMax, gxMax.toFloatArray(), 1e-6, 1e-6);
        assertClose("avgPool", expAvg, a.toFloatArray(), 1e-6, 1e-6);
        assertClose("avgPool backward", expGAvg, gxAvg.toFloatArray(), 1e-6, 1e-6);
    }

    @Test
    void maxPoolPropagatesNaN() {
        float[] x = {1f, Float.NaN, 3f, 2f};
        Tensor y = Tensor.empty(B, 1, 1, 1);
        Tensor idx = Tensor.empty(B, DType.INT32, Shape.of(1, 1, 1));
        B.maxPool2d(tensor(x, 1, 2, 2), 1, new PoolGeometry(2, 2, 2, 2, 2, 2, 0, 0), y, idx);
        assertEquals(Float.NaN, y.toFloatArray()[0]);
        assertEquals(1, idx.toIntArray()[0]);
    }

    @Test
    void geometryRejectsBadPadding() {
        assertThrows(IllegalArgumentException.class, () -> new PoolGeometry(4, 4, 2, 2, 2, 2, 2, 0));
        assertThrows(IllegalArgumentException.class, () -> new PoolGeometry(1, 4, 3, 3, 1, 1, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new PoolGeometry(4, 4, 2, 2, 0, 2, 0, 0));
    }
}
