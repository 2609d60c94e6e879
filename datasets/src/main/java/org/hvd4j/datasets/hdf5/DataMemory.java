package org.hvd4j.datasets.hdf5;

import java.util.Locale;

/**
 * The memory budget for HDF5 features held decoded in memory ({@code float32}, four bytes a value):
 * a data set within it is read once when opened, a larger one streams from the file. Set by
 * {@code --data-memory SIZE} or the environment variable {@value #ENV}; default {@value #DEFAULT_TEXT}.
 */
public final class DataMemory {
    /** The environment variable that sets the budget when no option does. */
    public static final String ENV = "HVD4J_DATA_MEMORY";
    static final String DEFAULT_TEXT = "1G";

    private DataMemory() {
    }

    /** The budget in bytes: {@code option} if given, else {@value #ENV}, else 1 GiB. */
    public static long budget(String option) {
        if (option != null) {
            return parse(option, "--data-memory");
        }
        String env = System.getenv(ENV);
        return env != null && !env.isBlank() ? parse(env, ENV) : parse(DEFAULT_TEXT, "default");
    }

    /**
     * What may really be held: {@code budget}, but at most half of the heap that is free now
     * (held features are a {@code float[]} on the heap), so that a small {@code -Xmx} makes a split
     * stream instead of failing with an {@link OutOfMemoryError}.
     */
    public static long holdable(long budget) {
        Runtime rt = Runtime.getRuntime();
        long free = rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
        return Math.min(budget, Math.max(0, free / 2));
    }

    /**
     * Parses a size: a number of bytes with an optional {@code K}, {@code M} or {@code G} suffix
     * (powers of 1024), e.g. {@code 512M}; 0 streams everything.
     */
    public static long parse(String text, String what) {
        String t = text.trim().toUpperCase(Locale.ROOT);
        if (t.endsWith("B")) {
            t = t.substring(0, t.length() - 1);
        }
        long unit = 1;
        if (!t.isEmpty() && "KMGT".indexOf(t.charAt(t.length() - 1)) >= 0) {
            unit = 1L << (10 * ("KMGT".indexOf(t.charAt(t.length() - 1)) + 1));
            t = t.substring(0, t.length() - 1);
        }
        try {
            double v = Double.parseDouble(t);
            if (v < 0 || !Double.isFinite(v)) {
                throw new NumberFormatException();
            }
            return (long) (v * unit);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(what + " must be a size such as 512M or 2G, got '" + text + "'");
        }
    }
}
