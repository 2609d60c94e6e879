package org.hvd4j.allreduce.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class FramesTest {
    private static DataInputStream input(byte[] b) {
        return new DataInputStream(new ByteArrayInputStream(b));
    }

    @Test
    void roundTripsSmallEmptyAndLargeFrames() throws IOException {
        byte[] large = new byte[100_000];
        new Random(1).nextBytes(large);
        byte[][] payloads = {"hello".getBytes(), new byte[0], large, {42}};
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        for (byte[] p : payloads) {
            Frames.write(out, p);
        }
        DataInputStream in = input(bytes.toByteArray());
        for (byte[] p : payloads) {
            assertArrayEquals(p, Frames.read(in, large.length));
        }
        assertThrows(EOFException.class, () -> Frames.read(in, 10));
    }

    @Test
    void rejectsFramesOverTheLimit() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Frames.write(new DataOutputStream(bytes), new byte[11]);
        IOException e = assertThrows(IOException.class,
                () -> Frames.read(input(bytes.toByteArray()), 10));
        assertTrue(e.getMessage().contains("11 bytes exceeds the limit of 10 bytes"),
                e.getMessage());
        assertArrayEquals(new byte[10], Frames.read(input(Arrays.copyOf(
                new byte[] {0, 0, 0, 10}, 14)), 10));
    }

    @Test
    void rejectsNegativeLengths() {
        IOException e = assertThrows(IOException.class,
                () -> Frames.read(input(new byte[] {(byte) 0xff, 0, 0, 0}), 10));
        assertTrue(e.getMessage().contains("negative"), e.getMessage());
    }

    @Test
    void endOfStreamInsideAFrameIsEof() {
        EOFException e = assertThrows(EOFException.class,
                () -> Frames.read(input(new byte[] {0, 0, 0, 5, 1, 2}), 10));
        assertTrue(e.getMessage().contains("middle of a frame of 5 bytes"), e.getMessage());
        assertThrows(EOFException.class, () -> Frames.read(input(new byte[] {0, 0}), 10));
    }
}
