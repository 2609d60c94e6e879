package org.hvd4j.datasets.idx;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;
import org.hvd4j.datasets.DatasetException;

/**
 * Reads unsigned-byte IDX files, raw or gzip-compressed.
 *
 * <p>Compression is recognised by the gzip magic bytes {@code 1f 8b}, never by the file name: the
 * Debian package and many mirrors rename or recompress the files. Bytes after the last element are
 * ignored. Every failure is a {@link DatasetException} whose message starts with the file's path.
 */
public final class IdxReader {
    private static final int BUFFER = 1 << 16;

    private IdxReader() {}

    /**
     * Reads an image file: magic {@code 0x00000803}, dimensions {@code {count, rows, cols}}.
     *
     * @param file the file to read
     * @return its contents
     * @throws DatasetException if the file is missing, unreadable or malformed
     */
    public static IdxArray readImages(Path file) {
        return read(file, IdxArray.MAGIC_IMAGES);
    }

    /**
     * Reads a label file: magic {@code 0x00000801}, dimensions {@code {count}}.
     *
     * @param file the file to read
     * @return its contents
     * @throws DatasetException if the file is missing, unreadable or malformed
     */
    public static IdxArray readLabels(Path file) {
        return read(file, IdxArray.MAGIC_LABELS);
    }

    /**
     * Reads any unsigned-byte IDX file, whatever its number of dimensions.
     *
     * @param file the file to read
     * @return its contents
     * @throws DatasetException if the file is missing, unreadable or malformed
     */
    public static IdxArray read(Path file) {
        return read(file, -1);
    }

    private static IdxArray read(Path file, int expectedMagic) {
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(file), BUFFER)) {
            raw.mark(2);
            boolean gzip = raw.read() == 0x1f && raw.read() == 0x8b;
            raw.reset();
            InputStream in = gzip ? new GZIPInputStream(raw, BUFFER) : raw;
            return new Parser(file, in, gzip).parse(expectedMagic);
        } catch (NoSuchFileException e) {
            throw new DatasetException(file + ": no such file");
        } catch (AccessDeniedException e) {
            throw new DatasetException(file + ": permission denied");
        } catch (ZipException | EOFException e) {
            // GZIPInputStream reports a damaged or cut-off stream with these two.
            throw new DatasetException(file + ": corrupt or truncated gzip data (" + e.getMessage() + ")", e);
        } catch (IOException e) {
            throw new DatasetException(file + ": cannot read: " + e, e);
        }
    }

    /** @return a human description of an IDX magic number, e.g. "3-dim unsigned byte" */
    static String describe(int magic) {
        String type = typeName((magic >>> 8) & 0xFF);
        return (magic & 0xFF) + "-dim " + (type == null ? "unknown type" : type);
    }

    /** @return the IDX name of an element-type code, or null if it is not one */
    static String typeName(int code) {
        switch (code) {
            case 0x08: return "unsigned byte";
            case 0x09: return "signed byte";
            case 0x0B: return "int16";
            case 0x0C: return "int32";
            case 0x0D: return "float32";
            case 0x0E: return "float64";
            default: return null;
        }
    }

    /** One parse of one stream; holds the file name for messages. */
    private static final class Parser {
        private final Path file;
        private final InputStream in;
        private final boolean gzip;
        /** Set when the compressed stream ended before its gzip trailer: a cut-off download. */
        private boolean cutShort;

        Parser(Path file, InputStream in, boolean gzip) {
            this.file = file;
            this.in = in;
            this.gzip = gzip;
        }

        IdxArray parse(int expectedMagic) throws IOException {
            byte[] head = new byte[4];
            int got = readUpTo(head, 4);
            if (got < 4) {
                throw fail(got == 0 && !cutShort ? "empty" + (gzip ? " after decompression" : "")
                        : "truncated: expected a 4-byte magic number, found " + got + " bytes");
            }
            int magic = toInt(head, 0);
            checkMagic(magic, expectedMagic);
            int rank = magic & 0xFF;
            byte[] dimBytes = new byte[4 * rank];
            got = readUpTo(dimBytes, dimBytes.length);
            if (got < dimBytes.length) {
                throw fail("truncated header: expected " + dimBytes.length + " bytes of dimensions for "
                        + rank + " dimensions, found " + got);
            }
            int[] dims = new int[rank];
            long n = 1;
            for (int i = 0; i < rank; i++) {
                long d = toInt(dimBytes, 4 * i) & 0xFFFFFFFFL;
                n *= d;
                if (d > Integer.MAX_VALUE || n > Integer.MAX_VALUE - 8) {
                    throw fail("dimensions " + dimsText(dimBytes, rank) + " are too large ("
                            + "more than 2^31 elements); the header is probably corrupt");
                }
                dims[i] = (int) d;
            }
            byte[] data = new byte[(int) n];
            got = readUpTo(data, data.length);
            if (got < data.length) {
                throw fail("truncated: header says " + dimsText(dimBytes, rank) + " = " + n
                        + " bytes of data, only " + got + " available");
            }
            return new IdxArray(dims, data);
        }

        private void checkMagic(int magic, int expected) {
            int type = (magic >>> 8) & 0xFF;
            boolean idxShaped = (magic >>> 16) == 0 && typeName(type) != null && (magic & 0xFF) > 0;
            String want = expected < 0 ? "an IDX magic number 0x0000TTDD"
                    : String.format("0x%08X (%s)", expected, describe(expected));
            if (!idxShaped) {
                throw fail(String.format("bad magic number 0x%08X, expected %s; not an IDX file%s",
                        magic, want, gzip ? "" : " (and not gzip-compressed either)"));
            }
            if (type != IdxArray.TYPE_UBYTE) {
                throw fail(String.format("unsupported element type 0x%02X (%s) in magic number 0x%08X;"
                        + " only unsigned byte (0x08) is supported", type, typeName(type), magic));
            }
            if (expected >= 0 && magic != expected) {
                throw fail(String.format("bad magic number 0x%08X (%s), expected %s", magic,
                        describe(magic), want));
            }
        }

        /** Reads until {@code len} bytes or the end; a gzip stream cut short counts as the end. */
        private int readUpTo(byte[] buf, int len) throws IOException {
            int off = 0;
            try {
                while (off < len) {
                    int r = in.read(buf, off, len - off);
                    if (r < 0) {
                        break;
                    }
                    off += r;
                }
            } catch (EOFException e) {
                // GZIPInputStream throws instead of returning -1 when the compressed data stops
                // mid-stream; report it as truncation with the byte count we did get.
                cutShort = true;
            }
            return off;
        }

        private DatasetException fail(String what) {
            return new DatasetException(file + ": " + what + (cutShort ? " (the gzip stream is cut short)" : ""));
        }

        private static String dimsText(byte[] dimBytes, int rank) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < rank; i++) {
                sb.append(i == 0 ? "" : "x").append(toInt(dimBytes, 4 * i) & 0xFFFFFFFFL);
            }
            return sb.toString();
        }

        private static int toInt(byte[] b, int off) {
            return ((b[off] & 0xFF) << 24) | ((b[off + 1] & 0xFF) << 16) | ((b[off + 2] & 0xFF) << 8)
                    | (b[off + 3] & 0xFF);
        }
    }
}
