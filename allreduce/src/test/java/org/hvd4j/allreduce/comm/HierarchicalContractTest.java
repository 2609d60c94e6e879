package org.hvd4j.allreduce.comm;

import java.util.List;

/** The contract on 2 simulated hosts (shared memory inside, TCP across). */
class HierarchicalContractTest extends CommunicatorContractTest {
    @Override
    List<Communicator> group(int n) throws Exception {
        return n % 2 == 0 ? Groups.hierarchical(2, n / 2, 64 << 10) : Groups.hierarchical(n, 1, 64 << 10);
    }
}
