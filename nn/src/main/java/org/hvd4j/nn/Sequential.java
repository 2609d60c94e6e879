package org.hvd4j.nn;

import java.util.ArrayList;
import java.util.List;
import org.hvd4j.tensor.Tensor;

/**
 * Modules applied in order. Children are named explicitly ({@code add("fc1", ...)}) so that
 * parameter paths are meaningful, or by position ({@code "0"}, {@code "1"}, ...) as in PyTorch.
 */
public class Sequential extends Module {
    private final List<Module> layers = new ArrayList<>();

    /** Appends {@code m} under {@code name}. */
    public Sequential add(String name, Module m) {
        registerModule(name, m);
        layers.add(m);
        return this;
    }

    /** Appends {@code m} under its position as name. */
    public Sequential add(Module m) {
        return add(Integer.toString(layers.size()), m);
    }

    @Override
    public Tensor forward(Tensor x) {
        Tensor h = x;
        for (Module m : layers) {
            h = m.forward(h);
        }
        return h;
    }
}
