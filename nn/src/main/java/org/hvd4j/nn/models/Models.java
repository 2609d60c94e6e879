package org.hvd4j.nn.models;

import java.util.List;
import org.hvd4j.nn.Module;
import org.hvd4j.nn.Sequential;
import org.hvd4j.nn.layers.Act;
import org.hvd4j.nn.layers.BatchNorm;
import org.hvd4j.nn.layers.Conv2d;
import org.hvd4j.nn.layers.Flatten;
import org.hvd4j.nn.layers.Linear;
import org.hvd4j.nn.layers.MaxPool2d;
import org.hvd4j.tensor.Backend;

/**
 * Built-in models for 28×28 single-channel images and 10 classes.
 *
 * <ul>
 *   <li>{@code mlp}: fc1 784→512, ReLU, fc2 512→256, ReLU, fc3 256→10 (input {@code [N, 784]} or
 *       {@code [N, 1, 28, 28]}, flattened first);</li>
 *   <li>{@code cnn}: conv1 1→32 5×5 pad 2, ReLU, maxpool 2, conv2 32→64 5×5 pad 2, ReLU, maxpool 2,
 *       flatten, fc1 3136→1024, ReLU, fc2 1024→10;</li>
 *   <li>{@code cnn-bn}: {@code cnn} with bn1/bn2 (BatchNorm2d) after each convolution
 *       (conv → bn → ReLU → pool).</li>
 * </ul>
 */
public final class Models {
    /** Names accepted by {@link #create}. */
    public static final List<String> NAMES = List.of("mlp", "cnn", "cnn-bn");

    private Models() {
    }

    /** Builds model {@code name} on {@code backend}, initialised from the global {@code Rng}. */
    public static Module create(String name, Backend backend) {
        return switch (name) {
            case "mlp" -> mlp(backend);
            case "cnn" -> cnn(backend, false);
            case "cnn-bn" -> cnn(backend, true);
            default -> throw new IllegalArgumentException("unknown model '" + name + "'; choose one of " + NAMES);
        };
    }

    /** Whether the model takes images {@code [N, 1, 28, 28]} (true) or flat vectors {@code [N, 784]}. */
    public static boolean takesImages(String name) {
        return !name.equals("mlp");
    }

    static Module mlp(Backend be) {
        return new Sequential()
                .add("flatten", new Flatten())
                .add("fc1", new Linear(be, 784, 512))
                .add("relu1", Act.relu())
                .add("fc2", new Linear(be, 512, 256))
                .add("relu2", Act.relu())
                .add("fc3", new Linear(be, 256, 10));
    }

    static Module cnn(Backend be, boolean batchNorm) {
        Sequential s = new Sequential();
        s.add("conv1", new Conv2d(be, 1, 32, 5, 1, 2));
        if (batchNorm) {
            s.add("bn1", BatchNorm.d2(be, 32));
        }
        s.add("relu1", Act.relu()).add("pool1", new MaxPool2d(2));
        s.add("conv2", new Conv2d(be, 32, 64, 5, 1, 2));
        if (batchNorm) {
            s.add("bn2", BatchNorm.d2(be, 64));
        }
        s.add("relu2", Act.relu()).add("pool2", new MaxPool2d(2));
        return s.add("flatten", new Flatten())
                .add("fc1", new Linear(be, 3136, 1024))
                .add("relu3", Act.relu())
                .add("fc2", new Linear(be, 1024, 10));
    }
}
