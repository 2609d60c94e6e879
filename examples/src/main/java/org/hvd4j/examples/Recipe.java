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
 * @param warmupEpochs linear warm-up epochs
 * @param epochs       epochs
 */
public record Recipe(String optimizer, float lr, float momentum, float weightDecay, String lrSchedule,
                     double warmupEpochs, int epochs) {

    /** The recipe of {@code model}. */
    public static Recipe of(String model) {
        return switch (model) {
            // SGD with momentum, one warm-up epoch, cosine to zero: the README's accuracy figures
            case "mlp", "cnn", "cnn-bn" -> new Recipe("sgd", 0.05f, 0.9f, 1e-4f, "cosine", 1, 10);
            default -> throw new IllegalArgumentException("no recipe for model '" + model + "'");
        };
    }
}
