package org.hvd4j.examples;

import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import org.hvd4j.allreduce.DistributedOptimizer;
import org.hvd4j.allreduce.Hvd;
import org.hvd4j.datasets.Batch;
import org.hvd4j.datasets.DataLoader;
import org.hvd4j.datasets.Dataset;
import org.hvd4j.datasets.DistributedSampler;
import org.hvd4j.datasets.FashionMnist;
import org.hvd4j.nn.Module;
import org.hvd4j.nn.init.Rng;
import org.hvd4j.nn.models.Models;
import org.hvd4j.nn.optim.Optimizer;
import org.hvd4j.nn.optim.Sgd;
import org.hvd4j.tensor.Backend;
import org.hvd4j.tensor.DType;
import org.hvd4j.tensor.Shape;
import org.hvd4j.tensor.Tensor;
import org.hvd4j.tensor.TensorScope;
import org.hvd4j.tensor.cpu.CpuBackend;
import org.hvd4j.tensor.cuda.CudaBackend;
import org.hvd4j.tensor.cuda.Devices;
import org.hvd4j.tensor.cpu.CpuThreads;
import org.hvd4j.tensor.ops.Losses;

/**
 * A user's own training program, written against the Java API with Horovod's recipe — the
 * program the README walks through. Run it with {@code hvdrun -np 2 java -cp ... 
 * org.hvd4j.examples.DistributedTrainingExample [epochs] [data-dir] [checkpoint-file] [device]}, or
 * under mpirun/srun/torchrun, or alone; device is cpu (default), cuda (the GPU of the local rank)
 * or emulated-cuda.
 */
public final class DistributedTrainingExample {
    private DistributedTrainingExample() {
    }

    public static void main(String[] args) throws IOException {
        int epochs = args.length > 0 ? Integer.parseInt(args[0]) : 1;
        Path dataDir = args.length > 1 && !args[1].isEmpty() ? Path.of(args[1]) : null;
        Path checkpoint = Path.of(args.length > 2 ? args[2] : "mlp-weights.bin");
        String device = args.length > 3 ? args[3] : "cpu";

        // 1. Join the job: rank, size, local rank from the launcher's environment (alone: size 1).
        Hvd.init();

        // 2. Pin the process to its share of the host: CPU cores (cores / local ranks), and with
        //    --device cuda the GPU of its local rank.
        CpuBackend.setThreads(CpuThreads.defaultThreads());
        Backend backend = Devices.open(device, Hvd.localRank(), Hvd.localSize());

        // 3. Build the model (same seed everywhere) and scale the learning rate by the number of ranks.
        Rng.manualSeed(42);
        Module model = Models.create("mlp", backend);
        float lr = 0.05f * Hvd.size();

        // 4. Wrap the optimizer: gradients are averaged over all ranks during the backward pass.
        Optimizer opt = DistributedOptimizer.wrap(new Sgd(model.parameters(), lr, 0.9f, 0f, 1e-4f, false));

        // 5. Start every rank from rank 0's weights and optimizer state.
        Hvd.broadcastParameters(model, 0);
        Hvd.broadcastOptimizerState(opt, 0);

        // 6. Each rank trains on its own shard of every epoch.
        FashionMnist data = FashionMnist.load(dataDir, true,
                Hvd.rank() == 0 ? System.out : new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
        Dataset train = data.train();
        DistributedSampler sampler = new DistributedSampler(train.size(), Hvd.size(), Hvd.rank(), 42, true, false);
        try (DataLoader loader = new DataLoader(train, sampler, 64, false, 2)) {
            for (int epoch = 0; epoch < epochs; epoch++) {
                double lossSum = 0;
                int steps = 0;
                try (DataLoader.Epoch batches = loader.epoch(epoch)) {
                    Batch b;
                    while ((b = batches.next()) != null) {
                        try (TensorScope step = TensorScope.open()) {
                            Tensor x = Tensor.empty(backend, DType.FLOAT32, Shape.of(b.size(), b.featureSize()));
                            backend.copyIn(b.features(), 0, x, 0, b.size() * b.featureSize());
                            Tensor y = Tensor.empty(backend, DType.INT32, Shape.of(b.size()));
                            backend.copyIn(b.labels(), 0, y, 0, b.size());
                            opt.zeroGrad();
                            Tensor loss = Losses.crossEntropy(model.forward(x), y, 0f);
                            loss.backward();
                            opt.step();
                            lossSum += loss.item();
                            steps++;
                        }
                    }
                }
                // average the logged metric over the ranks, so rank 0 prints the job's loss
                double meanLoss = Hvd.averageMetrics(lossSum / steps)[0];
                if (Hvd.rank() == 0) {
                    System.out.printf(Locale.ROOT, "epoch %d: mean training loss %.4f over %d ranks%n", epoch + 1,
                            meanLoss, Hvd.size());
                }
            }
        }

        // 7. Checkpoint on rank 0 only (every rank holds the same weights).
        if (Hvd.rank() == 0) {
            save(model.namedParameters(), checkpoint);
            System.out.println("saved " + checkpoint);
        }
        Hvd.shutdown();
        if (backend instanceof CudaBackend cuda) {
            cuda.close(); // device memory, streams and the driver's context
        }
    }

    /** Each parameter's name, element count and values (a minimal format; HDF5 checkpoints are their own issue). */
    static void save(Map<String, Tensor> params, Path file) throws IOException {
        try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(file))) {
            out.writeInt(params.size());
            for (Map.Entry<String, Tensor> e : params.entrySet()) {
                float[] v = e.getValue().toFloatArray();
                out.writeUTF(e.getKey());
                out.writeInt(v.length);
                for (float f : v) {
                    out.writeFloat(f);
                }
            }
        }
    }
}
