package org.hvd4j.examples;

import java.io.IOException;
import java.nio.file.Path;
import org.hvd4j.allreduce.HvdRuntime;
import org.hvd4j.allreduce.JobEnvironment;
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
                DistributedTrainingExample.save(t.model().namedParameters(), Path.of(args[3]));
            }
        } finally {
            rt.shutdown();
        }
        System.exit(0);
    }
}
