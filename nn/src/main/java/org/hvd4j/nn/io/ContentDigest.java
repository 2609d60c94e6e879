package org.hvd4j.nn.io;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

/**
 * SHA-256 over every dataset of a checkpoint, in name order: the name, its kind (float32 or
 * int64), its dims, and its values' little-endian bytes. Stored as the root attribute
 * {@code content_sha256} and checked on read, so that a flipped bit or a swapped dataset is
 * reported instead of loaded.
 */
final class ContentDigest {
    private ContentDigest() {
    }

    static String of(Map<String, Stored> datasets) {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no SHA-256", e);
        }
        for (Map.Entry<String, Stored> e : new TreeMap<>(datasets).entrySet()) {
            Stored s = e.getValue();
            sha.update(e.getKey().getBytes(StandardCharsets.UTF_8));
            ByteBuffer head = ByteBuffer.allocate(2 + 8 * s.dims().length).order(ByteOrder.LITTLE_ENDIAN);
            head.put((byte) 0).put((byte) (s.isFloat() ? 'f' : 'l'));
            for (long d : s.dims()) {
                head.putLong(d);
            }
            sha.update(head.array());
            ByteBuffer b = ByteBuffer.allocate((s.isFloat() ? 4 : 8) * s.elements()).order(ByteOrder.LITTLE_ENDIAN);
            if (s.isFloat()) {
                b.asFloatBuffer().put(s.floats());
            } else {
                b.asLongBuffer().put(s.longs());
            }
            sha.update(b.array());
        }
        return HexFormat.of().formatHex(sha.digest());
    }
}
