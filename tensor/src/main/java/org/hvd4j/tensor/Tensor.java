package org.hvd4j.tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.hvd4j.tensor.autograd.Engine;
import org.hvd4j.tensor.autograd.GradMode;
import org.hvd4j.tensor.autograd.GradReadyHook;
import org.hvd4j.tensor.autograd.Node;

/**
 * A contiguous, row-major view of a {@link Storage}: shape, dtype, element offset, plus the
 * autograd state (whether it requires a gradient, the node that produced it, its accumulated
 * gradient and gradient-ready hooks). Differentiable operations live in {@code org.hvd4j.tensor.ops}.
 */
public final class Tensor {
    private final Backend backend;
    private final Storage storage;
    private final Shape shape;
    private final DType dtype;
    private final int offset;

    private String name;
    private boolean requiresGrad;
    private Node gradFn;
    private Tensor grad;
    private boolean gradIsStale;
    private List<GradReadyHook> gradReadyHooks;

    private Tensor(Backend backend, Storage storage, Shape shape, DType dtype, int offset) {
        this.backend = backend;
        this.storage = storage;
        this.shape = shape;
        this.dtype = dtype;
        this.offset = offset;
    }

    // ---- factories ----------------------------------------------------------------------------

    /** An uninitialised tensor on {@code backend} (its memory joins the current {@link TensorScope}). */
    public static Tensor empty(Backend backend, DType dtype, Shape shape) {
        Storage st = backend.allocate(shape.numel() * dtype.bytes());
        TensorScope.register(st);
        return new Tensor(backend, st, shape, dtype, 0);
    }

    /**
     * A view of {@code shape.numel()} elements of an existing storage from element {@code offset}
     * (not registered with any scope: the storage's owner manages its lifetime). Backends use it to
     * look at memory they own, for example the CUDA emulation running a kernel's CPU twin.
     */
    public static Tensor view(Storage storage, DType dtype, Shape shape, int offset) {
        if (offset < 0 || (offset + (long) shape.numel()) * dtype.bytes() > storage.bytes()) {
            throw new IndexOutOfBoundsException("view of " + shape + " " + dtype + " at element " + offset
                    + " exceeds a storage of " + storage.bytes() + " bytes");
        }
        return new Tensor(storage.backend(), storage, shape, dtype, offset);
    }

    /** An uninitialised float32 tensor. */
    public static Tensor empty(Backend backend, int... dims) {
        return empty(backend, DType.FLOAT32, Shape.of(dims));
    }

    /** A tensor of zeros. */
    public static Tensor zeros(Backend backend, int... dims) {
        Tensor t = empty(backend, dims);
        backend.fill(t, 0f);
        return t;
    }

    /** A tensor with every element {@code value}. */
    public static Tensor full(Backend backend, float value, int... dims) {
        Tensor t = empty(backend, dims);
        backend.fill(t, value);
        return t;
    }

    /** A float32 tensor with a copy of {@code data} (length must equal the product of dims). */
    public static Tensor of(Backend backend, float[] data, int... dims) {
        Shape s = Shape.of(dims);
        if (s.numel() != data.length) {
            throw new IllegalArgumentException(data.length + " values do not fill shape " + s);
        }
        Tensor t = empty(backend, DType.FLOAT32, s);
        backend.copyIn(data, 0, t, 0, data.length);
        return t;
    }

    /** An INT32 tensor with a copy of {@code data}. */
    public static Tensor ofInts(Backend backend, int[] data, int... dims) {
        Shape s = Shape.of(dims);
        if (s.numel() != data.length) {
            throw new IllegalArgumentException(data.length + " values do not fill shape " + s);
        }
        Tensor t = empty(backend, DType.INT32, s);
        backend.copyIn(data, 0, t, 0, data.length);
        return t;
    }

    // ---- metadata -----------------------------------------------------------------------------

    public Backend backend() {
        return backend;
    }

    public Storage storage() {
        return storage;
    }

    public Shape shape() {
        return shape;
    }

    public DType dtype() {
        return dtype;
    }

    public Device device() {
        return backend.device();
    }

    /** Offset of the first element in the storage, in elements. */
    public int offset() {
        return offset;
    }

    /** Number of elements. */
    public int numel() {
        return shape.size();
    }

    /** Size of dimension i (negative counts from the end). */
    public int dim(int i) {
        return shape.dim(i);
    }

    /** The stable name (for parameters: the dotted path such as {@code fc1.weight}), or null. */
    public String name() {
        return name;
    }

    public Tensor name(String newName) {
        this.name = newName;
        return this;
    }

    /** Name for error messages: the given name, else the shape. */
    public String describe() {
        return (name != null ? "'" + name + "' " : "tensor ") + shape;
    }

    // ---- views --------------------------------------------------------------------------------

    /** A view with a new shape (one -1 is inferred); differentiable. */
    public Tensor reshape(int... dims) {
        Shape target = shape.reshape(dims);
        Tensor v = new Tensor(backend, storage, target, dtype, offset);
        if (GradMode.isEnabled() && requiresGrad) {
            v.setGradFn(new ReshapeNode(this));
        }
        return v;
    }

    /** Flattens dimensions {@code startDim..} into one: {@code [N, C, H, W] -> [N, C*H*W]} for 1. */
    public Tensor flatten(int startDim) {
        int[] d = new int[startDim + 1];
        for (int i = 0; i < startDim; i++) {
            d[i] = shape.dim(i);
        }
        d[startDim] = shape.sizeFrom(startDim);
        return reshape(d);
    }

    /** A view of rows {@code [from, to)} along the first dimension (not differentiable). */
    public Tensor narrowRows(int from, int to) {
        int rows = shape.dim(0);
        if (from < 0 || to > rows || from > to) {
            throw new IndexOutOfBoundsException("rows [" + from + ", " + to + ") of " + describe());
        }
        int[] d = shape.dims();
        d[0] = to - from;
        return new Tensor(backend, storage, Shape.of(d), dtype, offset + from * shape.sizeFrom(1));
    }

    /** A tensor sharing this one's memory, cut from the autograd graph. */
    public Tensor detach() {
        return new Tensor(backend, storage, shape, dtype, offset).name(name);
    }

    // ---- host access --------------------------------------------------------------------------

    /** The single value of a one-element tensor. */
    public float item() {
        if (numel() != 1) {
            throw new IllegalStateException("item() needs one element, " + describe() + " has " + numel());
        }
        return toFloatArray()[0];
    }

    /** A host copy of the values (float32 tensors). */
    public float[] toFloatArray() {
        checkLive();
        float[] out = new float[numel()];
        backend.copyOut(this, 0, out, 0, out.length);
        return out;
    }

    /** A host copy of the values (INT32 tensors). */
    public int[] toIntArray() {
        checkLive();
        int[] out = new int[numel()];
        backend.copyOut(this, 0, out, 0, out.length);
        return out;
    }

    /** Throws a clear error when this tensor's scope has closed and its memory was recycled. */
    public void checkLive() {
        if (storage.isReleased()) {
            throw new IllegalStateException(describe() + " was used after its TensorScope closed; "
                    + "read it inside the scope or keep() it");
        }
    }

    // ---- autograd -----------------------------------------------------------------------------

    public boolean requiresGrad() {
        return requiresGrad;
    }

    /** Marks a leaf tensor (a parameter) as needing a gradient. */
    public Tensor requiresGrad(boolean value) {
        if (gradFn != null && !value) {
            throw new IllegalStateException("cannot clear requiresGrad on non-leaf " + describe() + "; use detach()");
        }
        this.requiresGrad = value;
        return this;
    }

    /** The node that produced this tensor, or null for a leaf. */
    public Node gradFn() {
        return gradFn;
    }

    /** Attaches the node that produced this tensor (called by differentiable operations). */
    public void setGradFn(Node node) {
        this.gradFn = node;
        this.requiresGrad = node != null;
    }

    /** Whether this tensor is a leaf of the graph (no producing node). */
    public boolean isLeaf() {
        return gradFn == null;
    }

    /** The accumulated gradient of a leaf, or null before the first backward pass. */
    public Tensor grad() {
        if (grad != null && gradIsStale) {
            backend.fill(grad, 0f);
            gradIsStale = false;
        }
        return grad;
    }

    /**
     * Clears the gradient in O(1): the buffer is kept, and the next accumulation overwrites it
     * instead of adding (so no pass over memory is spent on zeroing).
     */
    public void zeroGrad() {
        if (grad != null) {
            gradIsStale = true;
        }
    }

    /**
     * Adds {@code g} into this leaf's gradient buffer (allocated once, outside every scope).
     * Called by the autograd engine and by optimizer wrappers.
     */
    public void accumulateGrad(Tensor g) {
        if (!g.shape.equals(shape)) {
            throw new IllegalArgumentException("gradient of shape " + g.shape + " for " + describe());
        }
        gradBuffer();
        if (gradIsStale) {
            backend.copy(g, grad);
            gradIsStale = false;
        } else {
            backend.axpby(1f, g, 1f, grad);
        }
    }

    /**
     * The gradient buffer of a leaf, allocated on first use (outside every scope) and not zeroed:
     * for operations that write a parameter's gradient in place (a weight-gradient GEMM with
     * {@code beta = gradNeedsOverwrite() ? 0 : 1}) instead of returning it, which saves a full
     * copy of the gradient per step. Call {@link #markGradWritten()} afterwards.
     */
    public Tensor gradBuffer() {
        if (grad == null) {
            grad = TensorScope.persistent(() -> empty(backend, dtype, shape)).name(name == null ? null : name + ".grad");
            gradIsStale = true;
        }
        return grad;
    }

    /**
     * Makes {@code buffer} this leaf's gradient buffer from now on, holding the current gradient
     * (copied into it) if there is one: a distributed optimizer keeps the gradients in memory its
     * transport reduces where it lies this way (PyTorch DDP's {@code gradient_as_bucket_view}).
     * The buffer must have this tensor's shape, dtype and backend, and live outside every scope.
     * Afterwards {@link #grad()} returns {@code buffer} (zeros if there was no gradient yet).
     */
    public void setGradBuffer(Tensor buffer) {
        if (!buffer.shape.equals(shape) || buffer.dtype != dtype || buffer.backend != backend) {
            throw new IllegalArgumentException("gradient buffer " + buffer.describe() + " for " + describe()
                    + ": shape, dtype and backend must match");
        }
        if (buffer == grad) {
            return;
        }
        boolean stale = grad == null || gradIsStale;
        if (!stale) {
            backend.copy(grad, buffer);
        }
        grad = buffer;
        gradIsStale = stale;
    }

    /** Whether the next write to {@link #gradBuffer()} must overwrite (true) or add (false). */
    public boolean gradNeedsOverwrite() {
        return grad == null || gradIsStale;
    }

    /** Records that {@link #gradBuffer()} now holds this pass's contribution. */
    public void markGradWritten() {
        gradIsStale = false;
    }

    /** Registers a hook fired when this leaf's gradient is final for the current backward pass. */
    public void onGradReady(GradReadyHook hook) {
        if (gradReadyHooks == null) {
            gradReadyHooks = new ArrayList<>(2);
        }
        gradReadyHooks.add(Objects.requireNonNull(hook));
    }

    /** Removes every gradient-ready hook. */
    public void clearGradReadyHooks() {
        gradReadyHooks = null;
    }

    /** Fires the gradient-ready hooks (called by the engine). */
    public void fireGradReady() {
        if (gradReadyHooks != null) {
            for (GradReadyHook h : gradReadyHooks) {
                h.onGradReady(this);
            }
        }
    }

    /** Back-propagates from this scalar (one-element) tensor, seeding its gradient with 1. */
    public void backward() {
        if (numel() != 1) {
            throw new IllegalStateException("backward() without a gradient needs a scalar, " + describe()
                    + " has " + numel() + " elements; pass backward(gradient)");
        }
        backward(full(backend, 1f, shape.dims()));
    }

    /** Back-propagates from this tensor with the given output gradient. */
    public void backward(Tensor gradient) {
        Engine.backward(this, gradient);
    }

    @Override
    public String toString() {
        return "Tensor" + (name != null ? "(" + name + ")" : "") + shape + " " + dtype + " on " + device();
    }

    /** Gradient of a reshape: the same values viewed with the input's shape. */
    private static final class ReshapeNode extends Node {
        private final Shape inputShape;

        ReshapeNode(Tensor input) {
            super(input);
            this.inputShape = input.shape;
        }

        @Override
        public Tensor[] backward(Tensor gradOutput) {
            Tensor g = new Tensor(gradOutput.backend, gradOutput.storage, inputShape, gradOutput.dtype,
                    gradOutput.offset);
            return new Tensor[] {g};
        }
    }
}
