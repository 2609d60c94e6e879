package org.hvd4j.tensor.autograd;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.hvd4j.tensor.Tensor;

/**
 * Runs the backward pass over the graph recorded behind a tensor.
 *
 * <p>Order: tensors are visited in reverse topological order, so a node runs only after every
 * consumer of its output has contributed. For each leaf the engine counts, before starting, how
 * many graph edges lead into it; when the last of them has delivered its contribution the leaf's
 * gradient is final and its {@link GradReadyHook}s fire — typically for the last layer first, as
 * in PyTorch and Horovod, which is what lets communication overlap the rest of the pass.
 *
 * <p>The graph is consumed: each non-leaf tensor's node is replaced by a "consumed" marker once it
 * has run (releasing what the node kept from the forward pass), so a later backward that reaches
 * such a tensor — the same loss again, or another loss sharing part of the graph — is an error
 * rather than a silent double count or a silently missing contribution.
 */
public final class Engine {
    /** Left on a non-leaf tensor whose node has run; reaching it again is an error. */
    private static final Node CONSUMED = new Node() {
        @Override
        public Tensor[] backward(Tensor gradOutput) {
            throw new IllegalStateException("graph already consumed by an earlier backward()");
        }

        @Override
        public String name() {
            return "Consumed";
        }
    };

    private Engine() {
    }

    /** Back-propagates {@code seed} (the gradient of {@code root}) to every leaf that requires one. */
    public static void backward(Tensor root, Tensor seed) {
        if (!root.requiresGrad()) {
            throw new IllegalStateException(root.describe() + " does not require a gradient: no parameter "
                    + "in its graph has requiresGrad, or it was computed under GradMode.noGrad()");
        }
        if (!seed.shape().equals(root.shape())) {
            throw new IllegalArgumentException("gradient " + seed.shape() + " does not match " + root.describe());
        }
        try (GradMode.Guard ignored = GradMode.noGrad()) {
            run(root, seed);
        }
    }

    private static void run(Tensor root, Tensor seed) {
        List<Tensor> order = new ArrayList<>();
        Map<Tensor, int[]> pendingLeafEdges = new IdentityHashMap<>();
        topologicalOrder(root, order, pendingLeafEdges);

        if (root.isLeaf()) {
            root.accumulateGrad(seed);
            root.fireGradReady();
            return;
        }
        Map<Tensor, Tensor> grads = new IdentityHashMap<>();
        grads.put(root, seed);
        for (int idx = order.size() - 1; idx >= 0; idx--) {
            Tensor t = order.get(idx);
            Node node = t.gradFn();
            Tensor g = grads.remove(t);
            if (g == null) {
                continue; // not reachable from root through differentiable paths
            }
            Tensor[] inputGrads = node.backward(g);
            Tensor[] inputs = node.inputs();
            for (int i = 0; i < inputs.length; i++) {
                Tensor in = inputs[i];
                if (in == null || !in.requiresGrad()) {
                    continue;
                }
                Tensor gi = inputGrads[i];
                if (in.isLeaf()) {
                    if (gi != null) {
                        in.accumulateGrad(gi);
                    }
                    int[] pending = pendingLeafEdges.get(in);
                    if (--pending[0] == 0) {
                        in.fireGradReady();
                    }
                } else if (gi != null) {
                    Tensor prev = grads.get(in);
                    if (prev == null) {
                        grads.put(in, gi);
                    } else {
                        Tensor sum = Tensor.empty(gi.backend(), gi.dtype(), gi.shape());
                        gi.backend().copy(prev, sum);
                        gi.backend().axpby(1f, gi, 1f, sum);
                        grads.put(in, sum);
                    }
                }
            }
            t.setGradFn(CONSUMED);
        }
    }

    /** Fails before any gradient is accumulated, so a refused pass leaves every grad() untouched. */
    private static void checkNotConsumed(Tensor t) {
        if (t.gradFn() == CONSUMED) {
            throw new IllegalStateException("backward() reached " + t.describe() + ", whose part of the graph an "
                    + "earlier backward() already consumed; recompute the forward pass, or add the losses and "
                    + "call backward() once");
        }
    }

    /**
     * Iterative post-order DFS over non-leaf tensors (deep graphs must not overflow the stack);
     * counts the edges that end in each leaf requiring a gradient.
     */
    private static void topologicalOrder(Tensor root, List<Tensor> order, Map<Tensor, int[]> leafEdges) {
        Map<Tensor, Boolean> visited = new IdentityHashMap<>();
        ArrayList<Tensor> stack = new ArrayList<>();
        ArrayList<Integer> next = new ArrayList<>();
        if (root.isLeaf()) {
            return;
        }
        checkNotConsumed(root);
        stack.add(root);
        next.add(0);
        visited.put(root, Boolean.TRUE);
        while (!stack.isEmpty()) {
            int top = stack.size() - 1;
            Tensor t = stack.get(top);
            Tensor[] inputs = t.gradFn().inputs();
            int i = next.get(top);
            if (i < inputs.length) {
                next.set(top, i + 1);
                Tensor in = inputs[i];
                if (in == null || !in.requiresGrad()) {
                    continue;
                }
                if (in.isLeaf()) {
                    leafEdges.computeIfAbsent(in, k -> new int[1])[0]++;
                } else if (visited.put(in, Boolean.TRUE) == null) {
                    checkNotConsumed(in);
                    stack.add(in);
                    next.add(0);
                }
            } else {
                stack.remove(top);
                next.remove(top);
                order.add(t);
            }
        }
    }
}
