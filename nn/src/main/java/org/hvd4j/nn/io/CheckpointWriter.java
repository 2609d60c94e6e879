package org.hvd4j.nn.io;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.hvd4j.hdf5.H5File;
import org.hvd4j.hdf5.Hdf5Exception;
import org.hvd4j.nn.Module;
import org.hvd4j.nn.optim.Optimizer;
import org.hvd4j.tensor.Tensor;

/**
 * Lays a model, its optimizer and its training position out as HDF5 (the layout is described in
 * {@link Checkpoint}). Package-private knobs let tests write damaged files on purpose.
 */
final class CheckpointWriter {
    int version = Checkpoint.VERSION;
    Set<String> omit = Set.of();

    /** The datasets of the checkpoint by name (no leading '/'), in writing order. */
    static Map<String, Stored> layout(Module model, Optimizer optimizer, TrainingState state) {
        Map<String, Stored> out = new LinkedHashMap<>();
        Map<String, Tensor> params = model.namedParameters();
        params.forEach((n, t) -> out.put(n, Stored.of(t)));
        model.namedBuffers().forEach((n, t) -> out.put(n, Stored.of(t)));
        // PyTorch's BatchNorm has an int64 buffer num_batches_tracked that hvd4j does not keep (it
        // matters to PyTorch only with momentum=None). It is written so that torch's
        // load_state_dict(strict=True) accepts the file: the number of training steps taken, which
        // is what PyTorch would count when every step runs the layer once in training mode.
        long tracked = state == null ? 0 : state.globalStep();
        for (String bn : ModuleTree.batchNorms(model).keySet()) {
            out.put(prefix(bn) + Checkpoint.NUM_BATCHES_TRACKED, Stored.scalar(tracked));
        }
        if (optimizer != null) {
            for (Map.Entry<String, Tensor> e : optimizer.state().entrySet()) {
                String key = e.getKey();
                String param = owner(key, params.keySet());
                if (param == null) {
                    throw new IllegalArgumentException("optimizer state '" + key + "' belongs to no parameter of the model");
                }
                out.put("optimizer/state/" + param + "/" + key.substring(param.length() + 1), Stored.of(e.getValue()));
            }
            out.put("optimizer/step_count", Stored.scalar(optimizer.stepCount()));
            int[] counters = optimizer.counters();
            if (counters.length > 0) {
                long[] c = new long[counters.length];
                for (int i = 0; i < c.length; i++) {
                    c[i] = counters[i];
                }
                out.put("optimizer/counters", Stored.longs(c));
            }
        }
        Map<String, org.hvd4j.nn.layers.Dropout> drop = ModuleTree.dropouts(model);
        drop.forEach((p, d) -> out.put("rng/dropout_calls/" + p, Stored.scalar(d.calls())));
        return out;
    }

    private static String prefix(String modulePath) {
        return modulePath.isEmpty() ? "" : modulePath + ".";
    }

    /** The longest parameter name {@code p} such that {@code key} is {@code p.<state>}. */
    static String owner(String key, Set<String> params) {
        String best = null;
        for (String p : params) {
            if (key.startsWith(p + ".") && (best == null || p.length() > best.length())) {
                best = p;
            }
        }
        return best;
    }

    void write(Path file, Module model, Optimizer optimizer, TrainingState state) {
        Map<String, Stored> data = layout(model, optimizer, state);
        try (H5File h = H5File.create(file)) {
            for (Map.Entry<String, Stored> e : data.entrySet()) {
                if (omit.contains(e.getKey())) {
                    continue;
                }
                Stored s = e.getValue();
                if (s.isFloat()) {
                    h.writeFloats(e.getKey(), s.dims(), s.floats());
                } else {
                    h.writeLongs(e.getKey(), s.dims(), s.longs());
                }
            }
            h.setAttribute("/", "format", Checkpoint.FORMAT);
            h.setAttribute("/", "format_version", (long) version);
            h.setAttribute("/", "content_sha256", ContentDigest.of(data));
            h.setAttribute("/", "created_by", "hvd4j");
            if (state != null) {
                h.setAttribute("/", "model", state.model());
                h.setAttribute("/", "epoch", state.epoch());
                h.setAttribute("/", "step_in_epoch", state.stepInEpoch());
                h.setAttribute("/", "global_step", state.globalStep());
                h.setAttribute("/", "planned_steps", state.plannedSteps());
                h.setAttribute("/", "seed", state.seed());
                h.setAttribute("/", "batch_size", (long) state.batchSize());
                h.setAttribute("/", "ranks", (long) state.ranks());
                h.setAttribute("/", "shuffle", state.shuffle() ? 1L : 0L);
                // the sampler's position: its order is a function of (seed, epoch)
                h.setAttribute("/", "sampler_seed", state.seed());
                h.setAttribute("/", "sampler_epoch", state.epoch());
                h.setAttribute("/", "sampler_index", state.stepInEpoch() * state.batchSize());
            }
            if (optimizer != null) {
                h.setAttribute("/optimizer", "type", optimizer.kind());
                for (Map.Entry<String, Double> hp : optimizer.hyperParameters().entrySet()) {
                    h.setAttribute("/optimizer", hp.getKey(), hp.getValue());
                }
            }
        } catch (Hdf5Exception e) {
            throw new CheckpointException(e.getMessage(), e);
        }
    }
}
