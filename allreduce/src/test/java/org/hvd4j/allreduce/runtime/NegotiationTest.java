package org.hvd4j.allreduce.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.hvd4j.allreduce.Reduction;
import org.hvd4j.tensor.DType;
import org.junit.jupiter.api.Test;

class NegotiationTest {
    private static Request allreduce(int rank, String name, int... shape) {
        return new Request(rank, name, OpKind.ALLREDUCE, DType.FLOAT32, shape, Reduction.SUM, -1, 1, 1, new int[0]);
    }

    @Test
    void readyOnlyWhenEveryRankSubmitted() {
        Negotiation n = new Negotiation(3, 0);
        n.add(allreduce(0, "a", 4), 0);
        n.add(allreduce(2, "a", 4), 0);
        assertFalse(n.hasReady());
        assertEquals(1, n.pending().size());
        n.add(allreduce(1, "a", 4), 0);
        assertTrue(n.hasReady());
        List<Response> out = n.takeResponses();
        assertEquals(List.of("a"), out.get(0).names());
        assertTrue(n.pending().isEmpty());
    }

    @Test
    void orderIsTheOrderOfReadinessWhateverOrderRanksSubmitIn() {
        Negotiation n = new Negotiation(2, 0);
        n.add(allreduce(0, "x", 1), 0);
        n.add(allreduce(0, "y", 1), 0);
        n.add(allreduce(0, "z", 1), 0);
        n.add(allreduce(1, "z", 1), 0);
        n.add(allreduce(1, "x", 1), 0);
        n.add(allreduce(1, "y", 1), 0);
        List<Response> out = n.takeResponses();
        assertEquals(List.of("z", "x", "y"), out.stream().map(r -> r.names().get(0)).toList());
    }

    @Test
    void fusesCompatibleAllreducesUpToTheThreshold() {
        Negotiation n = new Negotiation(1, 100);
        n.add(allreduce(0, "a", 10), 0);                 // 40 bytes
        n.add(allreduce(0, "b", 10), 0);                 // 40 bytes -> 80
        n.add(new Request(0, "c", OpKind.ALLREDUCE, DType.INT32, new int[] {2}, Reduction.SUM, -1, 1, 1, new int[0]), 0);
        n.add(allreduce(0, "d", 10), 0);                 // would make 120 > 100
        n.add(allreduce(0, "e", 5), 0);                  // 20 bytes -> 100, fits (look past d)
        List<Response> out = n.takeResponses();
        assertEquals(List.of(List.of("a", "b", "e"), List.of("c"), List.of("d")),
                out.stream().map(Response::names).toList());
        assertEquals(3, out.get(0).shapes().length);
    }

    @Test
    void zeroThresholdDisablesFusion() {
        Negotiation n = new Negotiation(1, 0);
        n.add(allreduce(0, "a", 1), 0);
        n.add(allreduce(0, "b", 1), 0);
        assertEquals(2, n.takeResponses().size());
    }

    @Test
    void shapeMismatchIsAnErrorNamingTensorRanksAndShapes() {
        Negotiation n = new Negotiation(2, 0);
        n.add(allreduce(0, "fc1.weight", 512, 784), 0);
        n.add(allreduce(1, "fc1.weight", 512, 785), 0);
        Response r = n.takeResponses().get(0);
        assertEquals(OpKind.ERROR, r.kind());
        assertEquals("Mismatched tensor shape for 'fc1.weight': rank 0 has [512, 784], rank 1 has [512, 785]",
                r.message());
    }

    @Test
    void dtypeAndCollectiveMismatches() {
        Negotiation n = new Negotiation(2, 0);
        n.add(allreduce(0, "t", 3), 0);
        n.add(new Request(1, "t", OpKind.ALLREDUCE, DType.FLOAT64, new int[] {3}, Reduction.SUM, -1, 1, 1, new int[0]), 0);
        assertTrue(n.takeResponses().get(0).message().startsWith("Mismatched data type for 't': rank 0 has FLOAT32"));
        n.add(allreduce(0, "u", 3), 0);
        n.add(new Request(1, "u", OpKind.BROADCAST, DType.FLOAT32, new int[] {3}, Reduction.SUM, 0, 1, 1, new int[0]), 0);
        assertEquals("Mismatched collective for 'u': rank 0 has allreduce, rank 1 has broadcast",
                n.takeResponses().get(0).message());
    }

    @Test
    void allgatherAllowsDifferentFirstDimensionsOnly() {
        Negotiation n = new Negotiation(2, 0);
        n.add(new Request(0, "g", OpKind.ALLGATHER, DType.FLOAT32, new int[] {2, 3}, Reduction.SUM, -1, 1, 1, new int[0]), 0);
        n.add(new Request(1, "g", OpKind.ALLGATHER, DType.FLOAT32, new int[] {5, 3}, Reduction.SUM, -1, 1, 1, new int[0]), 0);
        Response r = n.takeResponses().get(0);
        assertEquals(OpKind.ALLGATHER, r.kind());
        assertEquals(List.of(2, 5), java.util.Arrays.stream(r.rankDims()[0]).boxed().toList());
        n.add(new Request(0, "h", OpKind.ALLGATHER, DType.FLOAT32, new int[] {2, 3}, Reduction.SUM, -1, 1, 1, new int[0]), 0);
        n.add(new Request(1, "h", OpKind.ALLGATHER, DType.FLOAT32, new int[] {2, 4}, Reduction.SUM, -1, 1, 1, new int[0]), 0);
        assertEquals(OpKind.ERROR, n.takeResponses().get(0).kind());
    }

    @Test
    void averageBecomesSumScaledByTheContributors() {
        Negotiation n = new Negotiation(4, 0);
        for (int r = 0; r < 4; r++) {
            n.add(new Request(r, "m", OpKind.ALLREDUCE, DType.FLOAT32, new int[] {1}, Reduction.AVERAGE, -1, 1, 2.0,
                    new int[0]), 0);
        }
        Response r = n.takeResponses().get(0);
        assertEquals(Reduction.SUM, r.op());
        assertEquals(0.5, r.postscale(), 0);
    }

    @Test
    void joinedRanksCountAsPresentAndAreNotAveraged() {
        Negotiation n = new Negotiation(3, 0);
        n.add(new Request(2, "hvd4j.join", OpKind.JOIN, DType.UINT8, new int[0], Reduction.SUM, -1, 1, 1, new int[0]), 0);
        for (int r = 0; r < 2; r++) {
            n.add(new Request(r, "g", OpKind.ALLREDUCE, DType.FLOAT32, new int[] {1}, Reduction.AVERAGE, -1, 1, 1,
                    new int[0]), 0);
        }
        Response g = n.takeResponses().get(0);
        assertEquals(0.5, g.postscale(), 0, "two contributors");
        n.add(new Request(0, "hvd4j.join", OpKind.JOIN, DType.UINT8, new int[0], Reduction.SUM, -1, 1, 1, new int[0]), 0);
        assertFalse(n.hasReady());
        n.add(new Request(1, "hvd4j.join", OpKind.JOIN, DType.UINT8, new int[0], Reduction.SUM, -1, 1, 1, new int[0]), 0);
        Response j = n.takeResponses().get(0);
        assertEquals(OpKind.JOIN, j.kind());
        assertEquals(1, j.lastJoined());
        assertTrue(n.joined().isEmpty(), "a finished join releases the ranks");
    }

    @Test
    void pendingNameCompletesWhenTheMissingRankJoins() {
        Negotiation n = new Negotiation(2, 0);
        n.add(allreduce(0, "late", 2), 0);
        assertFalse(n.hasReady());
        n.add(new Request(1, "hvd4j.join", OpKind.JOIN, DType.UINT8, new int[0], Reduction.SUM, -1, 1, 1, new int[0]), 0);
        assertEquals(List.of("late"), n.takeResponses().get(0).names());
    }

    @Test
    void allgatherWhileJoinedIsRejected() {
        Negotiation n = new Negotiation(2, 0);
        n.add(new Request(1, "hvd4j.join", OpKind.JOIN, DType.UINT8, new int[0], Reduction.SUM, -1, 1, 1, new int[0]), 0);
        n.add(new Request(0, "g", OpKind.ALLGATHER, DType.FLOAT32, new int[] {2}, Reduction.SUM, -1, 1, 1, new int[0]), 0);
        Response r = n.takeResponses().get(0);
        assertEquals(OpKind.ERROR, r.kind());
        assertTrue(r.message().contains("not supported while ranks {1} have joined"), r.message());
    }

    @Test
    void duplicateSubmissionIsAnError() {
        Negotiation n = new Negotiation(2, 0);
        n.add(allreduce(0, "d", 1), 0);
        n.add(allreduce(0, "d", 1), 0);
        Response r = n.takeResponses().get(0);
        assertEquals(OpKind.ERROR, r.kind());
        assertTrue(r.message().contains("submitted 'd' twice"), r.message());
    }

    @Test
    void alltoallSplitsAreChecked() {
        Negotiation n = new Negotiation(2, 0);
        n.add(new Request(0, "a", OpKind.ALLTOALL, DType.FLOAT32, new int[] {3}, Reduction.SUM, -1, 1, 1, new int[] {1, 1}), 0);
        n.add(new Request(1, "a", OpKind.ALLTOALL, DType.FLOAT32, new int[] {2}, Reduction.SUM, -1, 1, 1, new int[] {1, 1}), 0);
        Response r = n.takeResponses().get(0);
        assertEquals("alltoall of 'a': rank 0's splits [1, 1] add up to 2, its tensor has 3 rows", r.message());
    }

    @Test
    void messagesRoundTrip() throws Exception {
        Request q = new Request(1, "fc1.weight", OpKind.ALLTOALL, DType.FLOAT16, new int[] {4, 5}, Reduction.MAX, 2, 0.5,
                0.25, new int[] {1, 3});
        Messages.RequestList l = Messages.decodeRequests(Messages.encodeRequests(new Messages.RequestList(1, List.of(q), true)));
        assertEquals(q, l.requests().get(0));
        assertTrue(l.shutdown());
        Response r = new Response(OpKind.ALLGATHER, List.of("a", "b"), DType.INT64, Reduction.MIN, 2, 3, 1,
                new int[][] {{1, 2}, {3}}, new int[][] {{4, 5}}, "héllo", 7);
        Response back = Messages.decodeResponses(Messages.encodeResponses(List.of(r))).get(0);
        assertEquals(r.toString(), back.toString());
        assertEquals(7, back.lastJoined());
        assertEquals(3, back.shapes()[1][0]);
        assertEquals(5, back.rankDims()[0][1]);
        assertEquals("héllo", back.message());
    }
    private static Request onDevice(int rank, String name, int... shape) {
        return allreduce(rank, name, shape).withOnDevice(true);
    }

    @Test
    void ranksThatDisagreeOnTheLocationGetAnErrorNamingThem() {
        Negotiation n = new Negotiation(3, 0);
        n.add(onDevice(0, "g", 4), 0);
        n.add(onDevice(1, "g", 4), 0);
        n.add(allreduce(2, "g", 4), 0);
        Response r = n.takeResponses().get(0);
        assertEquals(OpKind.ERROR, r.kind());
        assertTrue(r.message().startsWith("Mismatched tensor location for 'g': rank 0 has a CUDA tensor (device path), "
                + "rank 1 has a CUDA tensor (device path), rank 2 has host memory"), r.message());
        assertTrue(r.message().contains("HVD4J_DEVICE_COLLECTIVES"), r.message());
    }

    @Test
    void theLocationTravelsInTheResponseAndHostAndDeviceTensorsAreNeverFused() {
        Negotiation n = new Negotiation(2, 1 << 20);
        n.add(onDevice(0, "d1", 4), 0);
        n.add(onDevice(1, "d1", 4), 0);
        n.add(allreduce(0, "h", 4), 0);
        n.add(allreduce(1, "h", 4), 0);
        n.add(onDevice(0, "d2", 4), 0);
        n.add(onDevice(1, "d2", 4), 0);
        List<Response> out = n.takeResponses();
        assertEquals(List.of(List.of("d1", "d2"), List.of("h")), out.stream().map(Response::names).toList());
        assertTrue(out.get(0).onDevice());
        assertFalse(out.get(1).onDevice());
    }

    @Test
    void aJoinedRankFollowsTheContributorsLocation() {
        Negotiation n = new Negotiation(2, 0);
        n.add(new Request(1, Hvd4jNames.JOIN, OpKind.JOIN, DType.UINT8, new int[0], Reduction.SUM, -1, 1, 1, new int[0]), 0);
        n.add(onDevice(0, "g", 3), 0);
        Response r = n.takeResponses().get(0);
        assertEquals(OpKind.ALLREDUCE, r.kind());
        assertTrue(r.onDevice());
    }

    @Test
    void theLocationRoundTripsOnTheWire() throws Exception {
        Request q = onDevice(1, "g", 4);
        Messages.RequestList l = Messages.decodeRequests(Messages.encodeRequests(new Messages.RequestList(1, List.of(q), false)));
        assertEquals(q, l.requests().get(0));
        assertTrue(l.requests().get(0).onDevice());
        Response r = new Response(OpKind.BROADCAST, List.of("p"), DType.FLOAT32, Reduction.SUM, 1, 1, 1,
                new int[][] {{4}}, new int[0][], null, -1, true);
        assertTrue(Messages.decodeResponses(Messages.encodeResponses(List.of(r))).get(0).onDevice());
    }
}
