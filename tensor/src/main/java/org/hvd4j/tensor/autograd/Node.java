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

    /**
     * Attaches {@code node} to {@code output} when grad mode is on and any input requires a
     * gradient; returns {@code output} for chaining.
     */
    public static Tensor record(Tensor output, Node node) {
        if (GradMode.isEnabled()) {
            for (Tensor in : node.inputs) {
                if (in != null && in.requiresGrad()) {
                    output.setGradFn(node);
                    break;
                }
            }
        }
        return output;
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
