package org.hvd4j.allreduce.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.hvd4j.allreduce.Handle;
import org.hvd4j.allreduce.HvdException;
import org.hvd4j.allreduce.LocalJob;
import org.hvd4j.allreduce.Reduction;
import org.hvd4j.tensor.Tensor;
import org.hvd4j.tensor.cpu.CpuBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The stall inspector's shutdown and the timeline, through the whole runtime (ranks as threads). */
class RuntimeDiagnosticsTest {
    @TempDir
    Path dir;

    @Test
    void aStallLongerThanTheShutdownTimeEndsTheJobOnEveryRank() throws Exception {
        RuntimeConfig rc = RuntimeConfig.defaults().withStall(0.2, 1.0);
        List<String> out = LocalJob.run(2, rc, rt -> {
            if (rt.rank() == 0) {
                try {
                    rt.allreduceAsync(Tensor.zeros(CpuBackend.get(), 4), "only.rank0", Reduction.SUM).await();
                    return "the stalled allreduce completed";
                } catch (HvdException e) {
                    return e.getMessage();
                }
            }
            Thread.sleep(2500);
            try {
                rt.barrier();
                return "rank 1 could still run a collective";
            } catch (HvdException e) {
                return e.getMessage();
            }
        });
        assertTrue(out.get(0).contains("stall shutdown time") && out.get(0).contains("rank 1 (hostA"), out.get(0));
        assertTrue(out.get(0).contains("[only.rank0]"), out.get(0));
        assertTrue(out.get(1).contains("stall shutdown time"), out.get(1));
    }

    @Test
    void rankZeroWritesAValidTimelineWithEveryPhase() throws Exception {
        Path file = dir.resolve("timeline.json");
        RuntimeConfig rc = RuntimeConfig.defaults().withTimeline(file);
        LocalJob.run(2, rc, rt -> {
            for (int step = 0; step < 3; step++) {
                Handle<Tensor> a = rt.allreduceAsync(Tensor.zeros(CpuBackend.get(), 1000), "grad.a", Reduction.AVERAGE);
                Handle<Tensor> b = rt.allreduceAsync(Tensor.zeros(CpuBackend.get(), 10), "grad.b", Reduction.AVERAGE);
                a.await();
                b.await();
            }
            rt.broadcast(Tensor.zeros(CpuBackend.get(), 3), 0);
            return "";
        });
        String text = Files.readString(file);
        JsonSyntax.check(text);
        for (String phase : new String[] {"NEGOTIATE_ALLREDUCE", "WAIT_FOR_EXECUTION", "ALLREDUCE shm", "NEGOTIATE_BROADCAST",
            "BROADCAST shm",
            "\"grad.a\"", "\"grad.b\""}) {
            assertTrue(text.contains(phase), phase + " missing from the timeline");
        }
        long begins = text.split("\"ph\":\"B\"", -1).length - 1;
        long ends = text.split("\"ph\":\"E\"", -1).length - 1;
        assertEquals(begins, ends, "every phase that began has ended");
    }
}
