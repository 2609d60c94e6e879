package org.hvd4j.examples;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import org.hvd4j.nn.Module;
import org.hvd4j.tensor.Tensor;

/**
 * SHA-256 over a model's parameters and buffers: for each, in registration order, its dotted
 * name and the IEEE-754 bits of every element (little-endian). Two runs print the same digest
 * exactly when their weights are bit-identical, which is how the multi-host and mpirun tests
 * compare a job spread over hosts with the same job on one host.
 */
public final class ParameterDigest {
    private ParameterDigest() {
    }

    /** The hex digest of {@code model}'s parameters and buffers. */
    public static String of(Module model) {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no SHA-256", e);
        }
        add(sha, model.namedParameters());
        add(sha, model.namedBuffers());
        return HexFormat.of().formatHex(sha.digest());
    }

    private static void add(MessageDigest sha, Map<String, Tensor> tensors) {
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            sha.update(e.getKey().getBytes(StandardCharsets.UTF_8));
            float[] v = e.getValue().toFloatArray();
            ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
            b.asFloatBuffer().put(v);
            sha.update(b.array());
        }
    }
}
