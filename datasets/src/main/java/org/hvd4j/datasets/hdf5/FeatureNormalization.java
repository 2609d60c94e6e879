package org.hvd4j.datasets.hdf5;

import java.util.Locale;
import org.hvd4j.datasets.Normalization;
import org.hvd4j.hdf5.ElementType;

/**
 * How stored feature values become the model's floats, from {@code --normalize}:
 * <ul>
 *   <li>{@code auto} (default): uint8 features get {@code (x / 255 - 0.2860) / 0.3530}, the
 *       Fashion-MNIST statistics the IDX path uses, so the same pixels give the same floats from
 *       either file; other types are taken as stored (normalise them when you write them, as a
 *       PyTorch {@code Dataset} would);</li>
 *   <li>{@code none}: every type as stored;</li>
 *   <li>{@code unit}: integer types divided by 255, floats as stored;</li>
 *   <li>{@code fashion-mnist}, {@code mnist} or {@code MEAN,STD}: {@code (x / 255 - MEAN) / STD}
 *       for integer types, {@code (x - MEAN) / STD} for floats.</li>
 * </ul>
 * Computed in float32 in that order, so uint8 values give bit for bit what
 * {@link Normalization#apply} gives.
 */
public final class FeatureNormalization {
    private final String spec;
    private final Float mean;
    private final Float std;
    private final boolean auto;
    private final boolean scaleIntegers;

    private FeatureNormalization(String spec, Float mean, Float std, boolean auto, boolean scaleIntegers) {
        this.spec = spec;
        this.mean = mean;
        this.std = std;
        this.auto = auto;
        this.scaleIntegers = scaleIntegers;
    }

    /** The default, {@code auto}. */
    public static final FeatureNormalization AUTO = new FeatureNormalization("auto", null, null, true, false);

    /** Parses a {@code --normalize} value. */
    public static FeatureNormalization parse(String s) {
        String t = s.trim().toLowerCase(Locale.ROOT);
        switch (t) {
            case "auto":
                return AUTO;
            case "none":
                return new FeatureNormalization(t, null, null, false, false);
            case "unit":
                return new FeatureNormalization(t, 0f, 1f, false, true);
            case "fashion-mnist":
                return of(t, Normalization.FASHION_MNIST);
            case "mnist":
                return of(t, Normalization.MNIST);
            default:
                String[] p = t.split(",");
                try {
                    if (p.length == 2) {
                        return of(t, new Normalization(Float.parseFloat(p[0]), Float.parseFloat(p[1])));
                    }
                } catch (NumberFormatException e) {
                    // falls through to the message below
                }
                throw new IllegalArgumentException("--normalize must be auto, none, unit, fashion-mnist, mnist or "
                        + "MEAN,STD (e.g. 0.5,0.25), got '" + s + "'");
        }
    }

    private static FeatureNormalization of(String spec, Normalization n) {
        return new FeatureNormalization(spec, n.mean(), n.std(), false, true);
    }

    /**
     * What a normalisation does to one stored type: {@code (x / divisor - mean) / std}, in float32
     * in that order (a divisor of 1 leaves {@code x} exact).
     */
    record Affine(float divisor, float mean, float std) {
        float apply(float x) {
            return (x / divisor - mean) / std;
        }
    }

    /** What this normalisation does to values of {@code type}; null when they come out as stored. */
    Affine forType(ElementType type) {
        if (auto) {
            return type == ElementType.UINT8
                    ? new Affine(255f, Normalization.FASHION_MNIST.mean(), Normalization.FASHION_MNIST.std()) : null;
        }
        if (mean == null) {
            return null;
        }
        float divisor = scaleIntegers && !type.isFloating() ? 255f : 1f;
        return divisor == 1f && mean == 0f && std == 1f ? null : new Affine(divisor, mean, std);
    }

    /** What it does to {@code type}, for the run's log line. */
    String describe(ElementType type) {
        Affine a = forType(type);
        if (a == null) {
            return "as stored";
        }
        String x = a.divisor() == 1f ? "x" : "x/255";
        return a.mean() == 0f && a.std() == 1f ? x : String.format(Locale.ROOT, "(%s - %s) / %s", x, a.mean(), a.std());
    }

    @Override
    public String toString() {
        return spec;
    }
}
