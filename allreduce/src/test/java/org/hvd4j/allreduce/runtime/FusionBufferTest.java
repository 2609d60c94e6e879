package org.hvd4j.allreduce.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import org.hvd4j.allreduce.comm.Bytes;
import org.hvd4j.allreduce.comm.Pieces;
import org.hvd4j.tensor.DType;
import org.junit.jupiter.api.Test;

class FusionBufferTest {
    @Test
    void layoutPutsEachTensorsPieceKIntoFusedPieceK() {
        int[] numels = {40, 3, 33};
        int size = 3;
        int[][] pieces = FusionBuffer.layout(numels, size);
        for (int i = 0; i < numels.length; i++) {
            assertArrayEquals(Pieces.balanced(numels[i], size), pieces[i]);
        }
        int[] fused = FusionBuffer.fusedPieces(pieces, size);
        assertEquals(76, Pieces.total(fused));
        ByteBuffer[] data = new ByteBuffer[3];
        Payload[] ps = new Payload[3];
        for (int i = 0; i < 3; i++) {
            data[i] = Bytes.direct(4 * numels[i]);
            for (int e = 0; e < numels[i]; e++) {
                data[i].putFloat(4 * e, 1000 * i + e);
            }
            ps[i] = Payload.of(data[i], DType.FLOAT32, numels[i]);
        }
        ByteBuffer buf = Bytes.direct(4 * 76);
        FusionBuffer.pack(ps, pieces, buf, 4);
        // fused piece 1 starts with tensor 0's piece 1 (elements 16..31), then tensor 2's piece 1 (16..32)
        int[] off = Pieces.offsets(fused);
        assertEquals(16f, buf.getFloat(4 * off[1]));
        assertEquals(2016f, buf.getFloat(4 * (off[1] + 16)));
        for (ByteBuffer d : data) {
            for (int e = 0; e < d.capacity(); e += 4) {
                d.putFloat(e, -1);
            }
        }
        FusionBuffer.unpack(buf, ps, pieces, 4);
        for (int i = 0; i < 3; i++) {
            for (int e = 0; e < numels[i]; e++) {
                assertEquals(1000 * i + e, data[i].getFloat(4 * e));
            }
        }
    }

    @Test
    void absentPayloadsContributeZeros() {
        int[][] pieces = FusionBuffer.layout(new int[] {5, 5}, 2);
        ByteBuffer buf = Bytes.direct(40);
        for (int b = 0; b < 40; b += 4) {
            buf.putFloat(b, 9);
        }
        ByteBuffer d = Bytes.direct(20);
        for (int b = 0; b < 20; b += 4) {
            d.putFloat(b, 1);
        }
        FusionBuffer.pack(new Payload[] {null, Payload.of(d, DType.FLOAT32, 5)}, pieces, buf, 4);
        float sum = 0;
        for (int b = 0; b < 40; b += 4) {
            sum += buf.getFloat(b);
        }
        assertEquals(5f, sum);
    }
}
