package org.hvd4j.allreduce.comm;

import java.nio.ByteBuffer;
import java.util.Arrays;
import org.hvd4j.allreduce.Reduction;

/**
 * INT32, INT64 and UINT8 kernels of {@link Reducer}, staged through {@link Scratch}. Arithmetic
 * wraps (two's complement, as Java's and torch's integer ops do); UINT8 compares unsigned, and
 * its SUM and PRODUCT are taken mod 256, which the low byte of the int result already is.
 */
final class IntKernels {
    private IntKernels() {
    }

    static void reduceInt32(Reduction op, ByteBuffer acc, int accPos, ByteBuffer src, int srcPos, int count) {
        Scratch s = Scratch.get();
        int[] x = s.ints1();
        int[] y = s.ints2();
        for (int done = 0; done < count; done += x.length) {
            int n = Math.min(x.length, count - done);
            int a = accPos + 4 * done;
            s.load(acc, a, x, n);
            s.load(src, srcPos + 4 * done, y, n);
            switch (op) {
                case SUM -> {
                    for (int i = 0; i < n; i++) {
                        x[i] += y[i];
                    }
                }
                case PRODUCT -> {
                    for (int i = 0; i < n; i++) {
                        x[i] *= y[i];
                    }
                }
                case MIN -> {
                    for (int i = 0; i < n; i++) {
                        x[i] = Math.min(x[i], y[i]);
                    }
                }
                case MAX -> {
                    for (int i = 0; i < n; i++) {
                        x[i] = Math.max(x[i], y[i]);
                    }
                }
                default -> throw new AssertionError(op);
            }
            s.store(acc, a, x, n);
        }
    }

    static void reduceInt64(Reduction op, ByteBuffer acc, int accPos, ByteBuffer src, int srcPos, int count) {
        Scratch s = Scratch.get();
        long[] x = s.longs1();
        long[] y = s.longs2();
        for (int done = 0; done < count; done += x.length) {
            int n = Math.min(x.length, count - done);
            int a = accPos + 8 * done;
            s.load(acc, a, x, n);
            s.load(src, srcPos + 8 * done, y, n);
            switch (op) {
                case SUM -> {
                    for (int i = 0; i < n; i++) {
                        x[i] += y[i];
                    }
                }
                case PRODUCT -> {
                    for (int i = 0; i < n; i++) {
                        x[i] *= y[i];
                    }
                }
                case MIN -> {
                    for (int i = 0; i < n; i++) {
                        x[i] = Math.min(x[i], y[i]);
                    }
                }
                case MAX -> {
                    for (int i = 0; i < n; i++) {
                        x[i] = Math.max(x[i], y[i]);
                    }
                }
                default -> throw new AssertionError(op);
            }
            s.store(acc, a, x, n);
        }
    }

    static void reduceUint8(Reduction op, ByteBuffer acc, int accPos, ByteBuffer src, int srcPos, int count) {
        Scratch s = Scratch.get();
        byte[] x = s.bytes1();
        byte[] y = s.bytes2();
        for (int done = 0; done < count; done += x.length) {
            int n = Math.min(x.length, count - done);
            int a = accPos + done;
            s.load(acc, a, x, n);
            s.load(src, srcPos + done, y, n);
            switch (op) {
                case SUM -> {
                    for (int i = 0; i < n; i++) {
                        x[i] += y[i];
                    }
                }
                case PRODUCT -> {
                    for (int i = 0; i < n; i++) {
                        x[i] *= y[i];
                    }
                }
                case MIN -> {
                    for (int i = 0; i < n; i++) {
                        x[i] = (byte) Math.min(x[i] & 0xff, y[i] & 0xff);
                    }
                }
                case MAX -> {
                    for (int i = 0; i < n; i++) {
                        x[i] = (byte) Math.max(x[i] & 0xff, y[i] & 0xff);
                    }
                }
                default -> throw new AssertionError(op);
            }
            s.store(acc, a, x, n);
        }
    }

    static void fillInt32(ByteBuffer buf, int pos, int count, int value) {
        Scratch s = Scratch.get();
        int[] x = s.ints1();
        Arrays.fill(x, value);
        for (int done = 0; done < count; done += x.length) {
            s.store(buf, pos + 4 * done, x, Math.min(x.length, count - done));
        }
    }

    static void fillInt64(ByteBuffer buf, int pos, int count, long value) {
        Scratch s = Scratch.get();
        long[] x = s.longs1();
        Arrays.fill(x, value);
        for (int done = 0; done < count; done += x.length) {
            s.store(buf, pos + 8 * done, x, Math.min(x.length, count - done));
        }
    }

    static void fillUint8(ByteBuffer buf, int pos, int count, byte value) {
        Scratch s = Scratch.get();
        byte[] x = s.bytes1();
        Arrays.fill(x, value);
        for (int done = 0; done < count; done += x.length) {
            s.store(buf, pos + done, x, Math.min(x.length, count - done));
        }
    }
}
