package org.hvd4j.allreduce.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class SecretTest {
    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void toStringNeverShowsTheKey() {
        Secret s = Secret.random();
        assertFalse(s.toString().contains(s.encoded()));
        assertEquals("Secret[32 bytes]", s.toString());
        assertEquals("Secret[none]", Secret.none().toString());
        Secret pass = Secret.parse("my passphrase");
        assertFalse(pass.toString().contains("passphrase"));
    }

    @Test
    void encodedRoundTrips() {
        Secret s = Secret.random();
        assertEquals(43, s.encoded().length(), "32 bytes, base64url without padding");
        assertTrue(s.encoded().matches("[A-Za-z0-9_-]+"));
        Secret back = Secret.parse(s.encoded());
        assertEquals(s, back);
        assertEquals(s.hashCode(), back.hashCode());
        assertArrayEquals(s.hmac(b("x")), back.hmac(b("x")));
        assertNotEquals(s, Secret.random());
    }

    @Test
    void passphraseIsItsUtf8BytesAndAlsoRoundTrips() {
        Secret pass = Secret.parse("correct horse battery staple");
        assertEquals(Secret.parse("correct horse battery staple"), pass);
        assertEquals(pass, Secret.parse(pass.encoded()));
        assertFalse(pass.isNone());
        // "secret" is not canonical base64url (stray low bits), so it is a passphrase: its
        // UTF-8 bytes, which is also the key that the base64 text of those bytes names.
        assertEquals(Secret.parse("c2VjcmV0"), Secret.parse("secret"));
        assertNotEquals(Secret.parse("secret!"), Secret.parse("secret"));
    }

    @Test
    void noneIsEmptyAndStillMacs() {
        assertTrue(Secret.none().isNone());
        assertTrue(Secret.parse("").isNone());
        assertEquals("", Secret.none().encoded());
        assertEquals(32, Secret.none().hmac(b("a")).length);
        assertFalse(Secret.random().isNone());
    }

    @Test
    void hmacLengthPrefixesParts() {
        Secret s = Secret.random();
        assertFalse(Arrays.equals(s.hmac(b("ab"), b("c")), s.hmac(b("a"), b("bc"))));
        assertFalse(Arrays.equals(s.hmac(b("abc")), s.hmac(b("abc"), new byte[0])));
        assertArrayEquals(s.hmac(b("a"), b("b")), s.hmac(b("a"), b("b")));
        assertFalse(Arrays.equals(s.hmac(b("a")), Secret.random().hmac(b("a"))));
    }
}
