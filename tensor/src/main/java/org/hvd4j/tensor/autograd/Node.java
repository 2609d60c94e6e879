package org.hvd4j.tensor.autograd;

import org.hvd4j.tensor.Tensor;

/**
 * The backward function of one operation. Subclasses keep what they need from the forward pass
 * (inputs, outputs, masks) and map the gradient of the output to one gradient per input.
 */
public abstract class Node {
    private final Tensor[] inputs;

    protected Node(Tensor... inputs) {
        this.inputs = inputs;
    }

    /** The inputs of the operation, in the order of {@link #backward}'s result. */
    public final Tensor[] inputs() {
        return inputs;
    }

    /** Whether input {@code i} needs a gradient (so work for the others can be skipped). */
    protected final boolean needsGrad(int i) {
        return inputs[i] != null && inputs[i].requiresGrad();
    }

    /**
     * Whether input {@code i} is a leaf that needs a gradient, so that this node may write into
     * its {@link Tensor#gradBuffer()} directly and return null for it. The engine still counts the
     * edge, so gradient-ready hooks fire at the right moment.
     */
    protected final boolean writesLeafGradDirectly(int i) {
        return needsGrad(i) && inputs[i].isLeaf();
    }

    /**
     * Where to write input {@code i}'s gradient: the leaf's own gradient buffer when {@link
     * #writesLeafGradDirectly} allows it, else a fresh tensor of the input's shape. Write with
     * accumulation when {@link #accumulatesInto} says so, then hand the result to {@link
     * #finishGrad}.
     */
    protected final Tensor gradDestination(int i) {
        Tensor in = inputs[i];
        return writesLeafGradDirectly(i) ? in.gradBuffer() : Tensor.empty(in.backend(), in.dtype(), in.shape());
    }

    /** Whether the write into {@link #gradDestination} must add to what is there. */
    protected final boolean accumulatesInto(int i) {
        return writesLeafGradDirectly(i) && !inputs[i].gradNeedsOverwrite();
    }

    /** The entry for {@link #backward}'s result: null when written in place (recorded), else {@code dst}. */
    protected final Tensor finishGrad(int i, Tensor dst) {
        if (writesLeafGradDirectly(i)) {
            inputs[i].markGradWritten();
            return null;
        }
        return dst;
    }

    /**
     * Gradients with respect to each input, given the gradient of the output. An entry may be null
     * when that input does not require a gradient. Returned tensors are never modified afterwards
     * by the engine, so a node may return {@code gradOutput} itself.
     */
    public abstract Tensor[] backward(Tensor gradOutput);

    /** The operation's name for diagnostics. */
    public String name() {
        String n = getClass().getSimpleName();
        return n.endsWith("Node") ? n.substring(0, n.length() - 4) : n;
    }

    /** Whether recording is on and any of {@code inputs} requires a gradient. */
    public static boolean anyRequiresGrad(Tensor... inputs) {
        if (!GradMode.isEnabled()) {
            return false;
        }
        for (Tensor t : inputs) {
            if (t != null && t.requiresGrad()) {
                return true;
            }
        }
        return false;
    }
}
