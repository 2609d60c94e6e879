package org.hvd4j.examples;

import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.hvd4j.allreduce.HvdRuntime;
import org.hvd4j.allreduce.JobEnvironment;
import org.hvd4j.tensor.Tensor;
import org.hvd4j.tensor.cpu.CpuBackend;

/**
 * One rank of {@link DistributedExactnessTest}: trains {@code mlp} on the synthetic blobs without
 * shuffling and writes rank 0's final weights. Usage: {@code TrainProbe optimizer batch steps out}.
 */
public final class TrainProbe {
    private TrainProbe() {
    }

    public static void main(String[] args) throws IOException {
        HvdRuntime rt = HvdRuntime.start(JobEnvironment.detect());
        try {
            Trainer t = new Trainer(DistributedExactnessTest.config(args[0], Integer.parseInt(args[1]),
                    Integer.parseInt(args[2])), CpuBackend.get(), rt);
            t.run(DistributedExactnessTest.data(), TrainTest.blobs(200, 2), ProgressReporter.silent());
            if (rt.rank() == 0) {
                write(t.model().namedParameters(), Path.of(args[3]));
            }
        } finally {
            rt.shutdown();
        }
        System.exit(0);
    }

    /** Names and values of every parameter, in order. */
    static void write(Map<String, Tensor> params, Path file) throws IOException {
        try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(file))) {
            out.writeInt(params.size());
            for (Map.Entry<String, Tensor> e : params.entrySet()) {
                out.writeUTF(e.getKey());
                float[] v = e.getValue().toFloatArray();
                out.writeInt(v.length);
                for (float f : v) {
                    out.writeFloat(f);
                }
            }
        }
    }
}
