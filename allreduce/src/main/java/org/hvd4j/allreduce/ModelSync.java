package org.hvd4j.allreduce;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.hvd4j.nn.Module;
import org.hvd4j.nn.optim.Optimizer;
import org.hvd4j.tensor.Tensor;

/**
 * Makes every rank start from rank {@code root}'s model and optimizer (Horovod's
 * {@code broadcast_parameters} and {@code broadcast_optimizer_state}): after a checkpoint was
 * loaded on rank 0 only, or to rule out any difference in initialisation.
 */
final class ModelSync {
    private ModelSync() {
    }

    /** What travels besides the state tensors. */
    private record OptimizerInfo(List<String> keys, float lr, int stepCount, int[] counters) implements Serializable {
    }

    /** Parameters and buffers (batch-norm running statistics), by their dotted names. */
    static void broadcastParameters(HvdRuntime rt, Module model, int root) {
        List<Handle<Tensor>> pending = new ArrayList<>();
        for (Map.Entry<String, Tensor> e : model.namedParameters().entrySet()) {
            pending.add(rt.broadcastAsync(e.getValue(), root, "broadcast.param." + e.getKey()));
        }
        for (Map.Entry<String, Tensor> e : model.namedBuffers().entrySet()) {
            pending.add(rt.broadcastAsync(e.getValue(), root, "broadcast.buffer." + e.getKey()));
        }
        pending.forEach(Handle::await);
    }

    /**
     * Root's optimizer state: which state tensors exist (a fresh optimizer on another rank creates
     * them, see {@link Optimizer#ensureState}), their values, the learning rate, the step count and
     * the optimizer's counters.
     */
    static void broadcastOptimizerState(HvdRuntime rt, Optimizer opt, int root) {
        OptimizerInfo mine = rt.rank() == root
                ? new OptimizerInfo(new ArrayList<>(opt.state().keySet()), opt.lr(), opt.stepCount(), opt.counters())
                : null;
        OptimizerInfo info = rt.broadcastObject(mine, root);
        List<Handle<Tensor>> pending = new ArrayList<>();
        for (String key : info.keys()) {
            pending.add(rt.broadcastAsync(opt.ensureState(key), root, "broadcast.optimizer." + key));
        }
        pending.forEach(Handle::await);
        opt.setLr(info.lr());
        opt.setStepCount(info.stepCount());
        opt.setCounters(info.counters());
    }
}
