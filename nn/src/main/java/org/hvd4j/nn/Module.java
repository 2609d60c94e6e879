package org.hvd4j.nn;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hvd4j.tensor.Tensor;
import org.hvd4j.tensor.TensorScope;

/**
 * A layer or a model: parameters (trainable tensors), buffers (state such as batch-norm running
 * statistics) and child modules, each registered under a name. The dotted path of a parameter
 * ({@code conv1.weight}) is its identity: checkpoints, the distributed optimizer and PyTorch
 * interchange match tensors by it, so it must be the same on every rank and every run.
 */
public abstract class Module {
    private final Map<String, Tensor> parameters = new LinkedHashMap<>();
    private final Map<String, Tensor> buffers = new LinkedHashMap<>();
    private final Map<String, Module> children = new LinkedHashMap<>();
    private boolean training = true;

    /** Computes the output for input {@code x}. */
    public abstract Tensor forward(Tensor x);

    /** Registers a trainable parameter (allocated outside every scope, requiresGrad set). */
    protected final Tensor registerParameter(String name, Tensor t) {
        checkName(name);
        t.requiresGrad(true).name(name);
        parameters.put(name, t);
        return t;
    }

    /** Registers a non-trainable state tensor saved in checkpoints. */
    protected final Tensor registerBuffer(String name, Tensor t) {
        checkName(name);
        buffers.put(name, t.name(name));
        return t;
    }

    /** Registers a child module; its parameters appear as {@code name.<child path>}. */
    protected final <M extends Module> M registerModule(String name, M m) {
        checkName(name);
        children.put(name, m);
        return m;
    }

    private void checkName(String name) {
        if (name.isEmpty() || name.contains(".")) {
            throw new IllegalArgumentException("module member names must be non-empty and without '.': '" + name + "'");
        }
        if (parameters.containsKey(name) || buffers.containsKey(name) || children.containsKey(name)) {
            throw new IllegalArgumentException("'" + name + "' is registered twice in " + getClass().getSimpleName());
        }
    }

    /**
     * Every parameter under its dotted path, in registration order (depth first). Also stamps each
     * tensor's {@link Tensor#name()} with that path, so that errors and hooks can name it; names
     * only grow, so after the root model has been asked once, asking a submodule leaves the full
     * paths in place.
     */
    public final Map<String, Tensor> namedParameters() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        collect("", out, true);
        return Collections.unmodifiableMap(out);
    }

    /** Every buffer under its dotted path. */
    public final Map<String, Tensor> namedBuffers() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        collect("", out, false);
        return Collections.unmodifiableMap(out);
    }

    private void collect(String prefix, Map<String, Tensor> out, boolean params) {
        for (Map.Entry<String, Tensor> e : (params ? parameters : buffers).entrySet()) {
            String path = prefix + e.getKey();
            Tensor t = e.getValue();
            // Only ever lengthen a name: asking a submodule must not rename the root's tensors.
            String current = t.name();
            if (current == null || (path.length() > current.length() && path.endsWith("." + current))) {
                t.name(path);
            }
            out.put(path, t);
        }
        for (Map.Entry<String, Module> c : children.entrySet()) {
            c.getValue().collect(prefix + c.getKey() + ".", out, params);
        }
    }

    /** The parameters in {@link #namedParameters()} order. */
    public final List<Tensor> parameters() {
        return new ArrayList<>(namedParameters().values());
    }

    /** Direct children by name. */
    public final Map<String, Module> children() {
        return Collections.unmodifiableMap(children);
    }

    /** Total number of trainable values. */
    public final long parameterCount() {
        long n = 0;
        for (Tensor t : namedParameters().values()) {
            n += t.numel();
        }
        return n;
    }

    /** Switches this module and its children to training mode (dropout on, batch statistics). */
    public final Module train() {
        setTraining(true);
        return this;
    }

    /** Switches to evaluation mode (dropout off, running statistics). */
    public final Module eval() {
        setTraining(false);
        return this;
    }

    private void setTraining(boolean on) {
        training = on;
        for (Module c : children.values()) {
            c.setTraining(on);
        }
    }

    public final boolean isTraining() {
        return training;
    }

    /** Clears the gradients of all parameters. */
    public final void zeroGrad() {
        for (Tensor t : parameters()) {
            t.zeroGrad();
        }
    }

    /** Allocates a tensor that outlives every {@link TensorScope} (for parameters and buffers). */
    protected static Tensor persistent(java.util.function.Supplier<Tensor> make) {
        return TensorScope.persistent(make);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(getClass().getSimpleName());
        if (!children.isEmpty()) {
            sb.append("(\n");
            for (Map.Entry<String, Module> c : children.entrySet()) {
                sb.append("  (").append(c.getKey()).append("): ")
                        .append(c.getValue().toString().replace("\n", "\n  ")).append('\n');
            }
            sb.append(')');
        } else {
            sb.append(describe());
        }
        return sb.toString();
    }

    /** A one-line description of a leaf module's configuration, e.g. {@code (784 -> 512)}. */
    protected String describe() {
        return "()";
    }
}
