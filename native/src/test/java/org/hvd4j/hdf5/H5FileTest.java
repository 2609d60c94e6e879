package org.hvd4j.hdf5;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class H5FileTest {
    @TempDir
    Path dir;

    private static ByteBuffer direct(int bytes) {
        return ByteBuffer.allocateDirect(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    @Test
    void everyElementTypeRoundTripsAndConvertsToFloat() {
        Path f = dir.resolve("types.h5");
        try (H5File h = H5File.create(f)) {
            for (ElementType t : ElementType.values()) {
                ByteBuffer b = direct(6 * t.bytes());
                for (int i = 0; i < 6; i++) {
                    switch (t.bytes()) {
                        case 1 -> b.put((byte) (i * 20));
                        case 2 -> b.putShort((short) (i * 1000));
                        case 4 -> {
                            if (t.isFloating()) {
                                b.putFloat(i * 0.5f);
                            } else {
                                b.putInt(i * 100000);
                            }
                        }
                        default -> {
                            if (t.isFloating()) {
                                b.putDouble(i * 0.25);
                            } else {
                                b.putLong(i * 10_000_000_000L);
                            }
                        }
                    }
                }
                h.write("/types/" + t.numpyName(), t, new long[] {2, 3}, b.flip(), null, 0);
            }
        }
        try (H5File h = H5File.open(f)) {
            assertEquals(ElementType.values().length, h.datasets().size());
            for (ElementType t : ElementType.values()) {
                try (H5Array a = h.dataset("/types/" + t.numpyName())) {
                    assertEquals(t, a.type());
                    assertArrayEquals(new long[] {2, 3}, a.dims());
                    assertNull(a.chunk());
                    float[] v = a.readFloats();
                    float step = switch (t.bytes()) {
                        case 1 -> 20;
                        case 2 -> 1000;
                        case 4 -> t.isFloating() ? 0.5f : 100000;
                        default -> t.isFloating() ? 0.25f : 1e10f;
                    };
                    for (int i = 0; i < 6; i++) {
                        assertEquals(i * step, v[i], Math.ulp(i * step), t + " element " + i);
                    }
                }
            }
        }
    }

    @Test
    void chunkedGzipDatasetsInGroupsReadByRows() throws Exception {
        Path f = dir.resolve("chunked.h5");
        int rows = 1000;
        int cols = 37;
        ByteBuffer b = direct(rows * cols);
        for (int i = 0; i < rows * cols; i++) {
            b.put((byte) (i * 7));
        }
        try (H5File h = H5File.create(f)) {
            h.write("/train/images", ElementType.UINT8, new long[] {rows, cols}, b.flip(), new long[] {64, cols}, 4);
        }
        assertTrue(Files.size(f) < rows * cols, "gzip should shrink a repetitive dataset: " + Files.size(f) + " bytes");
        try (H5File h = H5File.open(f); H5Array a = h.dataset("train/images")) {
            assertArrayEquals(new long[] {64, cols}, a.chunk());
            assertEquals(ElementType.UINT8, a.type());
            assertEquals(cols, a.rowElements());
            ByteBuffer part = direct(10 * cols * 4);
            a.readRows(995 - 10, 10, ElementType.FLOAT32, part);
            for (int r = 0; r < 10; r++) {
                for (int c = 0; c < cols; c++) {
                    int i = (985 + r) * cols + c;
                    assertEquals((i * 7) & 0xFF, part.getFloat(4 * (r * cols + c)), 0f);
                }
            }
            assertThrows(Hdf5Exception.class, () -> a.readRows(995, 10, ElementType.FLOAT32, direct(10 * cols * 4)));
        }
    }

    @Test
    void attributesOfEveryKind() {
        Path f = dir.resolve("attrs.h5");
        try (H5File h = H5File.create(f)) {
            h.writeFloats("fc1.weight", new long[] {2, 2}, new float[] {1, 2, 3, 4});
            h.setAttribute("/", "format", "hvd4j-checkpoint");
            h.setAttribute("/", "format", "hvd4j-checkpoint ü");
            h.setAttribute("/", "version", 3L);
            h.setAttribute("fc1.weight", "scale", 0.5);
            h.writeLongs("/optimizer/step", new long[] {}, new long[] {42});
        }
        try (H5File h = H5File.open(f)) {
            assertEquals(Optional.of("hvd4j-checkpoint ü"), h.stringAttribute("/", "format"));
            assertEquals(Optional.of(3L), h.longAttribute("/", "version"));
            assertEquals(Optional.of(0.5), h.numberAttribute("fc1.weight", "scale"));
            assertEquals(Optional.empty(), h.stringAttribute("/", "missing"));
            assertEquals(Optional.empty(), h.longAttribute("/nowhere", "version"));
            assertArrayEquals(new long[] {42}, h.dataset("/optimizer/step").readLongs());
            assertTrue(h.hasDataset("fc1.weight"));
            assertFalse(h.hasDataset("/optimizer"));
            assertFalse(h.hasDataset("/no/such/thing"));
            assertEquals(List.of("/fc1.weight", "/optimizer/step"), h.datasets());
        }
    }

    @Test
    void errorsNameTheFileAndTheObject() throws Exception {
        Path missing = dir.resolve("missing.h5");
        assertTrue(assertThrows(Hdf5Exception.class, () -> H5File.open(missing)).getMessage()
                .equals(missing + ": no such file"));
        Path text = dir.resolve("text.h5");
        Files.writeString(text, "not hdf5 at all");
        assertTrue(assertThrows(Hdf5Exception.class, () -> H5File.open(text)).getMessage().contains("not an HDF5 file"));
        Path f = dir.resolve("one.h5");
        try (H5File h = H5File.create(f)) {
            h.writeFloats("/x", new long[] {1}, new float[] {1});
            h.writeFloats("/g/y", new long[] {1}, new float[] {1});
        }
        try (H5File h = H5File.open(f)) {
            Hdf5Exception e = assertThrows(Hdf5Exception.class, () -> h.dataset("/images"));
            assertEquals(f + ": no dataset '/images'; the file has [/g/x, /x]".replace("/g/x", "/g/y"), e.getMessage());
            assertThrows(Hdf5Exception.class, () -> h.writeFloats("/z", new long[] {1}, new float[] {1}));
        }
    }

    @Test
    void loadingPrintsNoVersionWarning() throws Exception {
        // run in a fresh JVM: the library loads once per process
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), LoadProbe.class.getName(),
                dir.resolve("probe.h5").toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), out);
        assertEquals("ok\n", out);
    }

    /** Creates a file in a fresh JVM; prints "ok" and nothing else. */
    public static final class LoadProbe {
        public static void main(String[] args) {
            try (H5File h = H5File.create(Path.of(args[0]))) {
                h.writeFloats("x", new long[] {1}, new float[] {1});
            }
            System.out.println("ok");
        }
    }
}
