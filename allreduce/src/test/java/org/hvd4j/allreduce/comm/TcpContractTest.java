package org.hvd4j.allreduce.comm;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.ExecutionException;
import org.hvd4j.allreduce.Reduction;
import org.hvd4j.tensor.DType;
import org.junit.jupiter.api.Test;

/** The contract on TCP rings over loopback, with 4 KiB blocks so that pieces take many blocks. */
class TcpContractTest extends CommunicatorContractTest {
    @Override
    List<Communicator> group(int n) throws Exception {
        return Groups.tcp(n, 4096);
    }

    @Override
    int[] sizes() {
        return new int[] {2, 3, 5};
    }

    @Test
    void ranksRunningDifferentCollectivesFailWithAMessageInsteadOfMixingData() throws Exception {
        List<Communicator> g = group(2);
        try {
            ExecutionException e = assertThrows(ExecutionException.class, () -> Groups.run(g, c -> {
                ByteBuffer b = Bytes.direct(4000);
                if (c.rank() == 0) {
                    c.allreduce(b, DType.FLOAT32, Reduction.SUM, Pieces.balanced(1000, 2));
                } else {
                    c.broadcast(b, 4000, 1);
                }
                return null;
            }));
            assertTrue(e.getCause().getMessage().contains("out of step"), e.getCause().getMessage());
        } finally {
            Groups.close(g);
        }
    }
}
