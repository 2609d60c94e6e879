package org.hvd4j.tensor.cpu;

import static org.hvd4j.tensor.cpu.KernelTestSupport.B;
import static org.hvd4j.tensor.cpu.KernelTestSupport.tensor;
import static org.hvd4j.tensor.cpu.KernelTestSupport.uniform;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.hvd4j.tensor.ConvGeometry;
import org.hvd4j.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * im2col against a direct convolution loop, and col2im as its exact adjoint:
 * {@code <im2col(x), c> == <x, col2im(c)>} for random x and c. Both images sit at a non-zero offset
 * (the second image of a batch) to catch offset handling.
 */
class CpuConvTest {

    @ParameterizedTest(name = "C={0} H={1} W={2} k={3}x{4} s={5}x{6} p={7}x{8}")
    @CsvSource({
        "1, 5, 5, 3, 3, 1, 1, 0, 0",
        "2, 5, 6, 3, 3, 1, 1, 1, 1",
        "3, 7, 5, 3, 2, 2, 1, 1, 0",
        "2, 8, 9, 5, 5, 2, 2, 2, 2",
        "1, 6, 6, 4, 4, 3, 3, 2, 2",
        "4, 4, 7, 1, 1, 2, 3, 0, 0",
        "2, 3, 3, 3, 3, 1, 1, 2, 2"})
    void im2colGemmEqualsDirectConvolutionAndCol2imIsItsAdjoint(int c, int h, int w, int kh, int kw,
                                                                int sh, int sw, int ph, int pw) {
        ConvGeometry g = new ConvGeometry(c, h, w, kh, kw, sh, sw, ph, pw);
        Random rng = new Random(h * 131 + w * 17 + kh * 5 + sh + ph);
        int image = c * h * w;
        int rows = g.colRows();
        int cols = g.colCols();
        int oh = g.outHeight();
        int ow = g.outWidth();
        assertEquals((h + 2 * ph - kh) / sh + 1, oh);

        float[] batch = uniform(rng, 2 * image);
        Tensor xt = tensor(batch, 2, c, h, w);
        Tensor colst = Tensor.full(B, Float.NaN, 1 + rows * cols); // NaN: every entry must be written
        B.im2col(xt, image, g, colst, 1);
        float[] colv = colst.toFloatArray();

        // direct convolution of image 1 with O random filters vs W · cols
        int outC = 3;
        float[] wts = uniform(rng, outC * rows);
        for (int o = 0; o < outC; o++) {
            for (int y = 0; y < oh; y++) {
                for (int x = 0; x < ow; x++) {
                    double direct = 0;
                    double viaCols = 0;
                    for (int ch = 0; ch < c; ch++) {
                        for (int i = 0; i < kh; i++) {
                            for (int j = 0; j < kw; j++) {
                                int iy = y * sh - ph + i;
                                int ix = x * sw - pw + j;
                                double wv = wts[((o * c + ch) * kh + i) * kw + j];
                                if (iy >= 0 && iy < h && ix >= 0 && ix < w) {
                                    direct += wv * batch[image + (ch * h + iy) * w + ix];
                                }
                                int row = (ch * kh + i) * kw + j;
                                viaCols += wv * colv[1 + row * cols + y * ow + x];
                            }
                        }
                    }
                    assertEquals(direct, viaCols, 1e-9, "output " + o + "," + y + "," + x);
                }
            }
        }

        // adjoint identity, and col2im accumulates into what is already there
        float[] cv = uniform(rng, rows * cols);
        float[] base = uniform(rng, 2 * image);
        Tensor back = tensor(base.clone(), 2, c, h, w);
        Tensor ct = Tensor.of(B, prepend(cv), 1 + rows * cols);
        B.col2im(ct, 1, g, back, image);
        float[] bv = back.toFloatArray();
        double lhs = 0;
        for (int i = 0; i < rows * cols; i++) {
            lhs += (double) colv[1 + i] * cv[i];
        }
        double rhs = 0;
        double mag = 0;
        for (int i = 0; i < image; i++) {
            double added = (double) bv[image + i] - base[image + i];
            rhs += batch[image + i] * added;
            mag += Math.abs(batch[image + i] * added);
        }
        assertEquals(lhs, rhs, 1e-5 * (1 + mag), "<im2col(x), c> vs <x, col2im(c)>");
        for (int i = 0; i < image; i++) {
            assertEquals(base[i], bv[i], 0f, "image 0 must be untouched at " + i);
        }
    }

    private static float[] prepend(float[] v) {
        float[] out = new float[v.length + 1];
        out[0] = Float.NaN; // before the offset: must not be read
        System.arraycopy(v, 0, out, 1, v.length);
        return out;
    }
}
