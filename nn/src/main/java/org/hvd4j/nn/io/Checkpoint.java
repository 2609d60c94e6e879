package org.hvd4j.nn.io;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.hvd4j.hdf5.H5Array;
import org.hvd4j.hdf5.H5File;
import org.hvd4j.hdf5.Hdf5Exception;
import org.hvd4j.nn.Module;
import org.hvd4j.nn.layers.Dropout;
import org.hvd4j.nn.optim.Optimizer;
import org.hvd4j.tensor.Tensor;

/**
 * An HDF5 checkpoint, read whole into memory.
 *
 * <p><b>Layout</b> (format {@value #FORMAT}, version {@value #VERSION}):
 * <ul>
 *   <li>root datasets: every parameter and buffer under its dotted name ({@code fc1.weight},
 *       {@code bn1.running_mean}), float32, PyTorch's layouts ({@code Linear.weight} {@code [out,
 *       in]}, {@code Conv2d.weight} {@code [out, in, kh, kw]}); for each BatchNorm also
 *       {@code <bn>.num_batches_tracked} (int64 scalar), which PyTorch's state_dict has;</li>
 *   <li>{@code optimizer/state/<param>/<state>}: {@code momentum_buffer} (SGD), {@code exp_avg}
 *       and {@code exp_avg_sq} (Adam, AdamW), PyTorch's state names; {@code optimizer/step_count}
 *       (int64 scalar); {@code optimizer/counters} (int64, Adam's per-parameter step counts in
 *       parameter order); attributes of {@code optimizer}: {@code type} ({@code SGD}, {@code Adam},
 *       {@code AdamW}) and the hyper-parameters ({@code lr}, {@code momentum}, ...);</li>
 *   <li>{@code rng/dropout_calls/<module>}: each dropout layer's call counter (int64 scalar);</li>
 *   <li>root attributes: {@code format}, {@code format_version}, {@code content_sha256} (see
 *       {@link ContentDigest}), {@code created_by}, and with a training position {@code model},
 *       {@code epoch}, {@code step_in_epoch}, {@code global_step}, {@code planned_steps},
 *       {@code seed}, {@code batch_size}, {@code ranks}, {@code shuffle}, {@code sampler_seed},
 *       {@code sampler_epoch}, {@code sampler_index} (see {@link TrainingState}).</li>
 * </ul>
 * A file without the {@code format} attribute is read as a plain state_dict (PyTorch's, written
 * with h5py one dataset per key): its root datasets are the weights.
 */
public final class Checkpoint {
    /** The root attribute {@code format} of every hvd4j checkpoint. */
    public static final String FORMAT = "hvd4j-checkpoint";
    /** The layout version this code writes and the newest it reads. */
    public static final int VERSION = 1;
    static final String NUM_BATCHES_TRACKED = "num_batches_tracked";

    private final Path file;
    private final boolean hvd4j;
    private final String digest;
    private final Map<String, Stored> all;
    private final Map<String, Stored> weights = new LinkedHashMap<>();
    private final Map<String, Stored> optimizerState = new LinkedHashMap<>();
    private final Map<String, Stored> rng = new LinkedHashMap<>();
    private final String optimizerType;
    private final Double lr;
    private final TrainingState state;

    private Checkpoint(Path file, boolean hvd4j, String digest, Map<String, Stored> all, String optimizerType,
                       Double lr, TrainingState state) {
        this.file = file;
        this.hvd4j = hvd4j;
        this.digest = digest;
        this.all = all;
        this.optimizerType = optimizerType;
        this.lr = lr;
        this.state = state;
        for (Map.Entry<String, Stored> e : all.entrySet()) {
            String n = e.getKey();
            if (n.startsWith("optimizer/state/")) {
                String rest = n.substring("optimizer/state/".length());
                int slash = rest.lastIndexOf('/');
                if (slash > 0) {
                    optimizerState.put(rest.substring(0, slash) + "." + rest.substring(slash + 1), e.getValue());
                }
            } else if (n.startsWith("rng/dropout_calls/")) {
                rng.put(n.substring("rng/dropout_calls/".length()), e.getValue());
            } else if (!n.contains("/")) {
                weights.put(n, e.getValue());
            }
        }
    }

    /** Writes {@code model} (and, when not null, the optimizer's state and the training position) to {@code file}. */
    public static void write(Path file, Module model, Optimizer optimizer, TrainingState state) {
        new CheckpointWriter().write(file, model, optimizer, state);
    }

    /**
     * Reads every dataset of {@code file}. An hvd4j checkpoint must have a known format name and a
     * version this code reads; any file that HDF5 cannot open or read (truncated, not HDF5) is an
     * error naming it.
     */
    public static Checkpoint read(Path file) {
        try (H5File h = H5File.open(file)) {
            Optional<String> format = h.stringAttribute("/", "format");
            if (format.isPresent()) {
                if (!format.get().equals(FORMAT)) {
                    throw new CheckpointException(file + ": format '" + format.get() + "' is not '" + FORMAT + "'");
                }
                long v = h.longAttribute("/", "format_version").orElseThrow(() -> new CheckpointException(
                        file + ": no format_version attribute: a damaged checkpoint"));
                if (v > VERSION) {
                    throw new CheckpointException(file + ": format version " + v + " is newer than this hvd4j reads ("
                            + VERSION + "); use a newer hvd4j");
                }
                if (v < 1) {
                    throw new CheckpointException(file + ": bad format version " + v + " (this hvd4j reads 1.." + VERSION + ")");
                }
            }
            Map<String, Stored> all = new LinkedHashMap<>();
            for (String path : h.datasets()) {
                try (H5Array a = h.dataset(path)) {
                    Stored s = a.type().isFloating() ? new Stored(a.dims(), a.readFloats(), null)
                            : new Stored(a.dims(), null, a.readLongs());
                    all.put(path.substring(1), s);
                }
            }
            TrainingState st = null;
            if (h.longAttribute("/", "global_step").isPresent()) {
                st = new TrainingState(attr(h, "epoch"), attr(h, "step_in_epoch"), attr(h, "global_step"),
                        h.longAttribute("/", "planned_steps").orElse(0L), attr(h, "seed"),
                        (int) attr(h, "batch_size"), (int) attr(h, "ranks"), h.longAttribute("/", "shuffle").orElse(1L) != 0,
                        h.stringAttribute("/", "model").orElse("?"));
            }
            String type = h.stringAttribute("/optimizer", "type").orElse(null);
            Double lr = h.numberAttribute("/optimizer", "lr").orElse(null);
            return new Checkpoint(file, format.isPresent(), h.stringAttribute("/", "content_sha256").orElse(null), all,
                    type, lr, st);
        } catch (Hdf5Exception e) {
            throw new CheckpointException(e.getMessage(), e);
        }
    }

    private static long attr(H5File h, String name) {
        return h.longAttribute("/", name).orElseThrow(() -> new CheckpointException(h.path() + ": attribute '" + name
                + "' is missing: a damaged checkpoint"));
    }

    public Path file() {
        return file;
    }

    /** True for a file written by hvd4j (it has the {@code format} attribute), false for a plain state_dict. */
    public boolean isHvd4j() {
        return hvd4j;
    }

    /** The training position, if the file has one. */
    public Optional<TrainingState> trainingState() {
        return Optional.ofNullable(state);
    }

    /** The optimizer type the file's state belongs to ({@code SGD}, ...), if it has optimizer state. */
    public Optional<String> optimizerType() {
        return Optional.ofNullable(optimizerType);
    }

    /** The root datasets' names: the weights (and {@code num_batches_tracked} entries). */
    public Set<String> weightNames() {
        return weights.keySet();
    }

    /** The dims of dataset {@code name} (a full path without the leading '/'), or null. */
    public long[] dims(String name) {
        Stored s = all.get(name);
        return s == null ? null : s.dims().clone();
    }

    /** The values of dataset {@code name} as floats, or null. */
    public float[] floats(String name) {
        Stored s = all.get(name);
        return s == null ? null : s.asFloats().clone();
    }

    /** What loading the weights into {@code model} would match, without loading anything. */
    public LoadReport match(Module model) {
        Map<String, Tensor> expected = new LinkedHashMap<>(model.namedParameters());
        expected.putAll(model.namedBuffers());
        Set<String> ignorable = new java.util.HashSet<>();
        for (String bn : ModuleTree.batchNorms(model).keySet()) {
            ignorable.add((bn.isEmpty() ? "" : bn + ".") + NUM_BATCHES_TRACKED);
        }
        List<String> loaded = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        List<String> mismatched = new ArrayList<>();
        for (Map.Entry<String, Tensor> e : expected.entrySet()) {
            Stored s = weights.get(e.getKey());
            int[] dims = e.getValue().shape().dims();
            if (s == null) {
                missing.add(e.getKey());
            } else if (!s.sameShape(dims)) {
                mismatched.add(e.getKey() + ": file " + Arrays.toString(s.dims()) + " vs model " + Arrays.toString(dims));
            } else {
                loaded.add(e.getKey());
            }
        }
        List<String> unexpected = new ArrayList<>();
        for (String n : weights.keySet()) {
            if (!expected.containsKey(n) && !ignorable.contains(n)) {
                unexpected.add(n);
            }
        }
        return new LoadReport(loaded, missing, unexpected, mismatched);
    }

    /**
     * Copies the weights into {@code model}. Strict: any missing, unexpected or mismatched name is
     * an error listing them all, and nothing is loaded. Not strict: what matches is loaded, the
     * rest is reported (mismatched shapes are skipped too, as Keras' {@code skip_mismatch} does;
     * PyTorch's {@code strict=False} would still fail on them). {@code num_batches_tracked} is
     * ignored: hvd4j's BatchNorm has no such buffer.
     */
    public LoadReport loadWeights(Module model, boolean strict) {
        LoadReport r = match(model);
        if (strict && !r.exact()) {
            throw new CheckpointException(file + ": the weights do not fit the model (strict loading): " + r.problems());
        }
        verifyDigest();
        Map<String, Tensor> target = new LinkedHashMap<>(model.namedParameters());
        target.putAll(model.namedBuffers());
        for (String n : r.loaded()) {
            Tensor t = target.get(n);
            float[] v = weights.get(n).asFloats();
            if (v.length > 0) {
                t.backend().copyIn(v, 0, t, 0, v.length);
            }
        }
        return r;
    }

    /** Fails unless the content digest (when the file has one) matches what was read. */
    public void verifyDigest() {
        if (digest != null && !digest.equals(ContentDigest.of(all))) {
            throw new CheckpointException(file + ": content digest mismatch: the file is damaged (a dataset was changed,"
                    + " added or removed after it was written)");
        }
        if (hvd4j && digest == null) {
            throw new CheckpointException(file + ": no content_sha256 attribute: a damaged checkpoint");
        }
    }

    /**
     * Checks everything {@link #resume} needs, changing nothing: an hvd4j checkpoint with a
     * training position, weights that fit the model exactly, optimizer state of {@code optimizer}'s
     * type whose tensors belong to the model's parameters with their shapes, counters of the
     * right length, the model's dropout layers, and an intact content digest.
     */
    public void checkResumable(Module model, Optimizer optimizer) {
        if (!hvd4j) {
            throw new CheckpointException(file + ": not an hvd4j checkpoint (no 'format' attribute)");
        }
        if (state == null) {
            throw new CheckpointException(file + ": no training position (attribute global_step): weights only, "
                    + "use it with --init-from");
        }
        LoadReport r = match(model);
        if (!r.exact()) {
            throw new CheckpointException(file + ": the weights do not fit the model: " + r.problems());
        }
        if (optimizerType == null || !all.containsKey("optimizer/step_count")) {
            throw new CheckpointException(file + ": no optimizer state (group optimizer, dataset optimizer/step_count)");
        }
        if (!optimizerType.equals(optimizer.kind())) {
            throw new CheckpointException(file + ": the optimizer state is " + optimizerType + "'s, this run uses "
                    + optimizer.kind());
        }
        Map<String, Tensor> params = model.namedParameters();
        List<String> stateNames = switch (optimizerType) {
            case "SGD" -> optimizer.hyperParameters().getOrDefault("momentum", 0.0) != 0.0
                    ? List.of("momentum_buffer") : List.of();
            case "Adam", "AdamW" -> List.of("exp_avg", "exp_avg_sq");
            default -> null;
        };
        for (Map.Entry<String, Stored> e : optimizerState.entrySet()) {
            String p = CheckpointWriter.owner(e.getKey(), params.keySet());
            String what = "optimizer/state/" + (p == null ? e.getKey() : p + "/" + e.getKey().substring(p.length() + 1));
            if (p == null) {
                throw new CheckpointException(file + ": " + what + " belongs to no parameter of the model");
            }
            if (stateNames != null && !stateNames.contains(e.getKey().substring(p.length() + 1))) {
                throw new CheckpointException(file + ": " + what + " is no state of this " + optimizerType
                        + " (it keeps " + stateNames + ")");
            }
            int[] dims = params.get(p).shape().dims();
            if (!e.getValue().sameShape(dims)) {
                throw new CheckpointException(file + ": " + what + " is " + Arrays.toString(e.getValue().dims())
                        + ", the parameter " + Arrays.toString(dims));
            }
        }
        Stored counters = all.get("optimizer/counters");
        int want = optimizer.counters().length;
        int have = counters == null ? 0 : counters.elements();
        if (have != want) {
            throw new CheckpointException(file + ": optimizer/counters has " + have + " values, " + optimizer.kind()
                    + " keeps " + want);
        }
        Set<String> drop = ModuleTree.dropouts(model).keySet();
        if (!drop.equals(rng.keySet())) {
            throw new CheckpointException(file + ": dropout counters rng/dropout_calls/* are for " + rng.keySet()
                    + ", the model's dropout layers are " + drop);
        }
        verifyDigest();
    }

    /**
     * Restores weights, buffers, optimizer state (tensors, step count, counters, learning rate)
     * and dropout counters after {@link #checkResumable} (called first); returns the position.
     */
    public TrainingState resume(Module model, Optimizer optimizer) {
        checkResumable(model, optimizer);
        loadWeights(model, true);
        for (Map.Entry<String, Stored> e : optimizerState.entrySet()) {
            Tensor t = optimizer.ensureState(e.getKey());
            float[] v = e.getValue().asFloats();
            t.backend().copyIn(v, 0, t, 0, v.length);
        }
        Stored counters = all.get("optimizer/counters");
        if (counters != null) {
            int[] c = new int[counters.elements()];
            for (int i = 0; i < c.length; i++) {
                c[i] = Math.toIntExact(counters.longs()[i]);
            }
            optimizer.setCounters(c);
        }
        optimizer.setStepCount(Math.toIntExact(all.get("optimizer/step_count").longs()[0]));
        if (lr != null) {
            optimizer.setLr(lr.floatValue());
        }
        for (Map.Entry<String, Dropout> d : ModuleTree.dropouts(model).entrySet()) {
            d.getValue().setCalls(rng.get(d.getKey()).longs()[0]);
        }
        return state;
    }
}
