package org.hvd4j.tensor;

import java.util.Locale;

/**
 * Where a tensor lives: {@code cpu}, {@code cuda:N}, or {@code emulated-cuda} (the CUDA backend
 * running its launches on host memory, so that its code path is testable without a GPU).
 */
public record Device(Kind kind, int index) {

    /** Device families. */
    public enum Kind { CPU, CUDA, EMULATED_CUDA }

    public static final Device CPU = new Device(Kind.CPU, 0);

    public Device {
        if (index < 0) {
            throw new IllegalArgumentException("device index must be >= 0, got " + index);
        }
    }

    /** Parses {@code cpu}, {@code cuda}, {@code cuda:N} or {@code emulated-cuda}. */
    public static Device parse(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        if (t.equals("cpu")) {
            return CPU;
        }
        if (t.equals("emulated-cuda")) {
            return new Device(Kind.EMULATED_CUDA, 0);
        }
        if (t.equals("cuda")) {
            return new Device(Kind.CUDA, 0);
        }
        if (t.startsWith("cuda:")) {
            try {
                return new Device(Kind.CUDA, Integer.parseInt(t.substring(5)));
            } catch (NumberFormatException e) {
                // fall through to the error below
            }
        }
        throw new IllegalArgumentException(
                "unknown device '" + text + "': use cpu, cuda, cuda:N or emulated-cuda");
    }

    @Override
    public String toString() {
        return switch (kind) {
            case CPU -> "cpu";
            case CUDA -> "cuda:" + index;
            case EMULATED_CUDA -> "emulated-cuda";
        };
    }
}
