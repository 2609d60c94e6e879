package org.hvd4j.hdf5;

import static org.bytedeco.hdf5.global.hdf5.H5E_DEFAULT;
import static org.bytedeco.hdf5.global.hdf5.H5E_WALK_DOWNWARD;
import static org.bytedeco.hdf5.global.hdf5.H5Eclear2;
import static org.bytedeco.hdf5.global.hdf5.H5Eset_auto2;
import static org.bytedeco.hdf5.global.hdf5.H5Ewalk2;
import static org.bytedeco.hdf5.global.hdf5.H5open;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.hdf5.H5E_error2_t;
import org.bytedeco.hdf5.H5E_walk2_t;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.Pointer;

/**
 * Loads the HDF5 library once and serialises every call to it ({@link #LOCK}): the preset's
 * library is not built thread-safe, and the data loader's thread and the training thread may
 * both use it.
 *
 * <p>The preset was built against javacpp 1.5.10 and the project uses 1.5.13; JavaCPP prints
 * "Versions of org.bytedeco:javacpp:1.5.13 and org.bytedeco:hdf5:1.14.3-1.5.10 do not match"
 * when it loads it. The C API it calls has not changed between those versions (checked by this
 * package's tests, which write and read every type), so that one line is dropped while the
 * library loads; anything else printed then still goes to stderr. HDF5's own error printing is
 * switched off: failures are reported as {@link Hdf5Exception}s with HDF5's messages in them.
 */
final class Hdf5 {
    static final Object LOCK = new Object();
    private static final String MISMATCH = "do not match";
    private static boolean ready;
    private static final List<String> WALKED = new ArrayList<>();
    /** Collects HDF5's error messages; made after the library loads (making it loads the library). */
    private static H5E_walk2_t walker;

    private Hdf5() {
    }

    /** Loads and opens the library (idempotent); call with or without {@link #LOCK}. */
    static void init() {
        synchronized (LOCK) {
            if (ready) {
                return;
            }
            PrintStream err = System.err;
            System.setErr(new PrintStream(new DropLine(err, MISMATCH), true, StandardCharsets.UTF_8));
            try {
                Loader.load(org.bytedeco.hdf5.global.hdf5.class);
            } catch (LinkageError e) {
                throw new Hdf5Exception("the HDF5 library (org.bytedeco:hdf5, linux-x86_64) does not load: " + e, e);
            } finally {
                System.setErr(err);
            }
            if (H5open() < 0) {
                throw new Hdf5Exception("H5open failed: the HDF5 library cannot start");
            }
            H5Eset_auto2(H5E_DEFAULT, null, null);
            walker = new H5E_walk2_t() {
                @Override
                public int call(int n, H5E_error2_t err, Pointer data) {
                    if (err != null && err.desc() != null) {
                        String d = err.desc().getString();
                        if (!d.isBlank() && !WALKED.contains(d)) {
                            WALKED.add(d);
                        }
                    }
                    return 0;
                }
            };
            ready = true;
        }
    }

    /** HDF5's messages for the failure just seen (outermost first), and the error stack cleared. */
    static String lastError() {
        synchronized (LOCK) {
            WALKED.clear();
            H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, walker, null);
            H5Eclear2(H5E_DEFAULT);
            if (WALKED.isEmpty()) {
                return "";
            }
            List<String> first = WALKED.size() > 3 ? List.of(WALKED.get(0), WALKED.get(WALKED.size() - 1)) : WALKED;
            return " (HDF5: " + String.join("; ", first) + ")";
        }
    }

    /** Passes everything through except whole lines containing {@code marker}. */
    private static final class DropLine extends OutputStream {
        private final PrintStream out;
        private final String marker;
        private final ByteArrayOutputStream line = new ByteArrayOutputStream();

        DropLine(PrintStream out, String marker) {
            this.out = out;
            this.marker = marker;
        }

        @Override
        public synchronized void write(int b) {
            line.write(b);
            if (b == '\n') {
                flush();
            }
        }

        @Override
        public synchronized void flush() {
            String s = line.toString(StandardCharsets.UTF_8);
            line.reset();
            if (!s.contains(marker)) {
                out.print(s);
                out.flush();
            }
        }
    }
}
