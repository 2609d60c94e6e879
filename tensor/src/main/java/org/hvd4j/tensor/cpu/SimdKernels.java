package org.hvd4j.tensor.cpu;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The memory-bound kernels of a training step written with the Vector API (the incubating
 * {@code jdk.incubator.vector} of Java 17), reading and writing the direct buffers in place.
 *
 * <p>Why: the staged kernels ({@link Scratch}) copy every block of off-heap memory onto the heap
 * and back, so a pass that touches 5 arrays costs 10 memory passes. The fused SGD update of the
 * {@code mlp} (535,818 parameters, momentum and weight decay) measured 400 µs staged, 355 µs with
 * scalar {@code Unsafe} loops, 221 µs with this class and 213 µs in C compiled with
 * {@code gcc -O3 -march=native}, on one core of the 2-vCPU Xeon (README, "Throughput against
 * PyTorch").
 *
 * <p>Only touched when {@link Simd#ENABLED} (the JVM was started with {@code --add-modules
 * jdk.incubator.vector}); loading this class without that module fails. Every method computes
 * exactly the expression of its staged twin, in the same order of operations per element, so the
 * two give the same floats (checked by {@code SimdKernelsTest}); {@code fma} is not used because
 * the staged loops round after the multiply.
 *
 * <p>Indices and lengths are in floats, relative to the start of each buffer; buffers must be in
 * native byte order (all {@link CpuStorage} buffers are).
 */
final class SimdKernels {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final ByteOrder NATIVE = ByteOrder.nativeOrder();

    private SimdKernels() {
    }

    /**
     * SGD with momentum over {@code [from, to)}, PyTorch's order: {@code d = g + wd·p},
     * {@code buf = first ? d : momentum·buf + (1 − dampening)·d}, {@code p −= lr·(nesterov ? d +
     * momentum·buf : buf)}; without momentum ({@code bb == null}) {@code p −= lr·(g + wd·p)}.
     */
    static void sgd(ByteBuffer pb, int po, ByteBuffer gb, int go, ByteBuffer bb, int bo, int from, int to,
                    float lr, float momentum, float dampening, float wd, boolean nesterov, boolean first) {
        int i = from;
        int bound = from + S.loopBound(to - from);
        float keep = 1f - dampening;
        for (; i < bound; i += S.length()) {
            FloatVector p = load(pb, po + i);
            FloatVector d = load(gb, go + i).add(p.mul(wd));
            if (bb == null) {
                store(p.sub(d.mul(lr)), pb, po + i);
                continue;
            }
            FloatVector buf = first ? d : load(bb, bo + i).mul(momentum).add(d.mul(keep));
            store(buf, bb, bo + i);
            store(p.sub((nesterov ? d.add(buf.mul(momentum)) : buf).mul(lr)), pb, po + i);
        }
        for (; i < to; i++) {
            float p = pb.getFloat(4 * (po + i));
            float d = gb.getFloat(4 * (go + i)) + wd * p;
            if (bb == null) {
                pb.putFloat(4 * (po + i), p - lr * d);
                continue;
            }
            float buf = first ? d : momentum * bb.getFloat(4 * (bo + i)) + keep * d;
            bb.putFloat(4 * (bo + i), buf);
            pb.putFloat(4 * (po + i), p - lr * (nesterov ? d + momentum * buf : buf));
        }
    }

    /**
     * Adam / AdamW over {@code [from, to)}: {@code m = b1·m + (1−b1)·g}, {@code v = b2·v +
     * (1−b2)·g²}, {@code p −= stepSize·m / (√v / sqrtBc2 + eps)}, with weight decay added to the
     * gradient (Adam) or applied to {@code p} first (AdamW, {@code decoupled}).
     */
    static void adam(ByteBuffer pb, int po, ByteBuffer gb, int go, ByteBuffer mb, int mo, ByteBuffer vb, int vo,
                     int from, int to, float lr, float b1, float b2, float eps, float wd, boolean decoupled,
                     float stepSize, float sqrtBc2) {
        int i = from;
        int bound = from + S.loopBound(to - from);
        float decay = 1f - lr * wd;
        for (; i < bound; i += S.length()) {
            FloatVector p = load(pb, po + i);
            FloatVector g = load(gb, go + i);
            if (decoupled) {
                p = p.mul(decay);
            } else {
                g = g.add(p.mul(wd));
            }
            FloatVector m = load(mb, mo + i).mul(b1).add(g.mul(1f - b1));
            FloatVector v = load(vb, vo + i).mul(b2).add(g.mul(1f - b2).mul(g));
            store(m, mb, mo + i);
            store(v, vb, vo + i);
            FloatVector denom = v.lanewise(VectorOperators.SQRT).div(sqrtBc2).add(eps);
            store(p.sub(m.mul(stepSize).div(denom)), pb, po + i);
        }
        for (; i < to; i++) {
            float p = pb.getFloat(4 * (po + i));
            float g = gb.getFloat(4 * (go + i));
            if (decoupled) {
                p *= decay;
            } else {
                g += wd * p;
            }
            float m = b1 * mb.getFloat(4 * (mo + i)) + (1f - b1) * g;
            float v = b2 * vb.getFloat(4 * (vo + i)) + (1f - b2) * g * g;
            mb.putFloat(4 * (mo + i), m);
            vb.putFloat(4 * (vo + i), v);
            pb.putFloat(4 * (po + i), p - stepSize * m / ((float) Math.sqrt(v) / sqrtBc2 + eps));
        }
    }

    /** {@code y = max(x, 0)} over {@code [from, to)}; NaN stays NaN, as in PyTorch. */
    static void relu(ByteBuffer xb, int xo, ByteBuffer yb, int yo, int from, int to) {
        int i = from;
        int bound = from + S.loopBound(to - from);
        for (; i < bound; i += S.length()) {
            store(load(xb, xo + i).max(0f), yb, yo + i);
        }
        for (; i < to; i++) {
            yb.putFloat(4 * (yo + i), Math.max(xb.getFloat(4 * (xo + i)), 0f));
        }
    }

    /**
     * ReLU's backward over {@code [from, to)}: {@code gi = go · step(y)} with {@code y = f(x)}, or
     * {@code y = max(x, 0)} when {@code fromX}; the mask is the staged twin's branch-free
     * {@code min(y·2^254, 1)}, so a NaN in {@code y} gives NaN as there.
     */
    static void reluBackward(ByteBuffer sb, int so, boolean fromX, ByteBuffer gob, int goo, ByteBuffer gib, int gio,
                             int from, int to) {
        int i = from;
        int bound = from + S.loopBound(to - from);
        for (; i < bound; i += S.length()) {
            FloatVector y = load(sb, so + i);
            if (fromX) {
                y = y.max(0f);
            }
            FloatVector mask = y.mul(0x1p127f).mul(0x1p127f).min(1f);
            store(load(gob, goo + i).mul(mask), gib, gio + i);
        }
        for (; i < to; i++) {
            float y = sb.getFloat(4 * (so + i));
            if (fromX) {
                y = Math.max(y, 0f);
            }
            gib.putFloat(4 * (gio + i), gob.getFloat(4 * (goo + i)) * Math.min(y * 0x1p127f * 0x1p127f, 1f));
        }
    }

    /** Rows {@code [from, to)} of {@code x [rows, n]} plus the bias vector {@code b [n]}, into {@code z}. */
    static void addBiasRows(ByteBuffer xb, int xo, ByteBuffer bb, int bo, ByteBuffer zb, int zo, int n, int from,
                            int to) {
        int bound = S.loopBound(n);
        for (int r = from; r < to; r++) {
            int x0 = xo + r * n;
            int z0 = zo + r * n;
            int j = 0;
            for (; j < bound; j += S.length()) {
                store(load(xb, x0 + j).add(load(bb, bo + j)), zb, z0 + j);
            }
            for (; j < n; j++) {
                zb.putFloat(4 * (z0 + j), xb.getFloat(4 * (x0 + j)) + bb.getFloat(4 * (bo + j)));
            }
        }
    }

    private static FloatVector load(ByteBuffer b, int index) {
        return FloatVector.fromByteBuffer(S, b, 4 * index, NATIVE);
    }

    private static void store(FloatVector v, ByteBuffer b, int index) {
        v.intoByteBuffer(b, 4 * index, NATIVE);
    }
}
