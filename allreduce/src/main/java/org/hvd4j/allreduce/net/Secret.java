package org.hvd4j.allreduce.net;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The per-job secret that authenticates every connection of a job ({@code HVD4J_SECRET}).
 *
 * <p>{@code hvdrun} creates one with {@link #random()} and hands {@link #encoded()} to every rank;
 * a rank reads it back with {@link #parse(String)}. The key never appears in {@link #toString()},
 * so a secret can be logged by accident without leaking.
 */
public final class Secret {
    private static final String ALGORITHM = "HmacSHA256";
    private static final int RANDOM_BYTES = 32;
    private static final Pattern BASE64URL = Pattern.compile("[A-Za-z0-9_-]*");
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final Secret NONE = new Secret(new byte[0]);

    private final byte[] key;

    private Secret(byte[] key) {
        this.key = key;
    }

    /** A fresh 32-byte key from {@link SecureRandom}: what {@code hvdrun} uses for each job. */
    public static Secret random() {
        byte[] key = new byte[RANDOM_BYTES];
        new SecureRandom().nextBytes(key);
        return new Secret(key);
    }

    /**
     * The secret written as {@code text}.
     *
     * <p>Text that is canonical URL-safe base64 without padding (exactly what {@link #encoded()}
     * produces, so {@code parse(s.encoded())} equals {@code s}) is decoded to its bytes. Any other
     * text, for example a passphrase the user chose, is taken as is: the key is its UTF-8 bytes.
     * Both rules are deterministic, so every rank given the same text derives the same key. An
     * empty text is {@link #none()}.
     */
    public static Secret parse(String text) {
        if (text.isEmpty()) {
            return NONE;
        }
        if (BASE64URL.matcher(text).matches() && text.length() % 4 != 1) {
            byte[] decoded = Base64.getUrlDecoder().decode(text);
            // Non-canonical spellings (stray bits in the last character) are passphrases.
            if (ENCODER.encodeToString(decoded).equals(text)) {
                return new Secret(decoded);
            }
        }
        return new Secret(text.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The empty key, for a job started without a launcher and without a secret. The handshake
     * still runs (with HMAC under an all-zero key), so a connection to something that is not an
     * hvd4j peer of the same protocol version is still caught; it authenticates nothing.
     */
    public static Secret none() {
        return NONE;
    }

    /** The text form: URL-safe base64 without padding, accepted by {@link #parse(String)}. */
    public String encoded() {
        return ENCODER.encodeToString(key);
    }

    /** Whether this is {@link #none()}: no authentication beyond the protocol check. */
    public boolean isNone() {
        return key.length == 0;
    }

    /**
     * HMAC-SHA256 under this key over {@code parts}, each preceded by its length as a 4-byte
     * big-endian int, so that bytes cannot be moved from one field to the next ("ab"+"c" and
     * "a"+"bc" give different MACs).
     */
    public byte[] hmac(byte[]... parts) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            // SecretKeySpec refuses an empty key; HMAC pads short keys with zeros to the block
            // size, so one zero byte is exactly the empty key.
            mac.init(new SecretKeySpec(key.length == 0 ? new byte[1] : key, ALGORITHM));
            ByteBuffer length = ByteBuffer.allocate(4);
            for (byte[] part : parts) {
                mac.update(length.clear().putInt(part.length).array());
                mac.update(part);
            }
            return mac.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JVM has no " + ALGORITHM, e);
        }
    }

    /** Same key, compared in constant time. */
    @Override
    public boolean equals(Object other) {
        return other instanceof Secret s && MessageDigest.isEqual(key, s.key);
    }

    @Override
    public int hashCode() {
        // Derived from a MAC rather than the key bytes, so hash codes reveal nothing about it.
        return Arrays.hashCode(hmac("hashCode".getBytes(StandardCharsets.US_ASCII)));
    }

    /** {@code Secret[none]} or {@code Secret[32 bytes]}: never the key. */
    @Override
    public String toString() {
        return isNone() ? "Secret[none]" : "Secret[" + key.length + " bytes]";
    }
}
