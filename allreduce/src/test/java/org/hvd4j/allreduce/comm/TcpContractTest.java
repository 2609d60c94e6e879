package org.hvd4j.allreduce.comm;

import java.util.List;

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
}
