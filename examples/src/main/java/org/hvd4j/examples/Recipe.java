package org.hvd4j.examples;

/**
 * The default hyper-parameters of each built-in model: the recipe whose accuracy the README
 * reports. Every value can be overridden on the command line.
 *
 * @param optimizer    {@code sgd}, {@code adam} or {@code adamw}
 * @param lr           base learning rate at batch 128
 * @param momentum     SGD momentum
 * @param weightDecay  weight decay
 * @param lrSchedule   learning-rate schedule
 * @param epochs       epochs
 */
public record Recipe(String optimizer, float lr, float momentum, float weightDecay, String lrSchedule, int epochs) {

    /** The recipe of {@code model}. */
    public static Recipe of(String model) {
        return switch (model) {
            case "mlp" -> new Recipe("sgd", 0.05f, 0.9f, 5e-4f, "cosine", 10);
            case "cnn", "cnn-bn" -> new Recipe("sgd", 0.05f, 0.9f, 5e-4f, "cosine", 10);
            default -> throw new IllegalArgumentException("no recipe for model '" + model + "'");
        };
    }
}
