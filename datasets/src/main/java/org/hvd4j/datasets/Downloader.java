package org.hvd4j.datasets;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.URLConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Downloads one file, verifying its MD5, so that the destination either does not exist or holds
 * exactly the expected bytes.
 *
 * <p>The body goes to a uniquely named temporary file in the destination's directory, which is
 * renamed over the destination only after the checksum matched, and deleted in every other case.
 * Because each process writes its own temporary file and the rename is atomic, several ranks on
 * one host may download the same file at once without corrupting it.
 */
final class Downloader {
    private static final int CONNECT_TIMEOUT_MS = 30_000;
    /** Longest silence while reading the body: a stalled mirror fails instead of hanging. */
    private static final int READ_TIMEOUT_MS = 60_000;

    private Downloader() {}

    /**
     * @param url where to fetch from (http or https; redirects within a protocol are followed)
     * @param target final path of the file
     * @param expectedMd5 lower- or upper-case hex MD5 of the file's bytes
     * @param log progress lines, or null
     * @throws DatasetException naming the URL on any HTTP, I/O or checksum failure
     */
    static void download(URI url, Path target, String expectedMd5, PrintStream log) {
        Path tmp = null;
        HttpURLConnection http = null;
        try {
            Files.createDirectories(target.getParent());
            tmp = Files.createTempFile(target.getParent(), target.getFileName() + ".", ".part");
            URLConnection conn = url.toURL().openConnection();
            conn.setConnectTimeout(CONNECT_TIMEOUT_MS);
            conn.setReadTimeout(READ_TIMEOUT_MS);
            if (conn instanceof HttpURLConnection) {
                http = (HttpURLConnection) conn;
                int code = http.getResponseCode();
                if (code != HttpURLConnection.HTTP_OK) {
                    throw new DatasetException(url + ": HTTP " + code + " " + http.getResponseMessage());
                }
            }
            if (log != null) {
                log.println("downloading " + url + " -> " + target);
            }
            MessageDigest md = MessageDigest.getInstance("MD5");
            long bytes;
            try (InputStream in = new DigestInputStream(conn.getInputStream(), md);
                    OutputStream out = Files.newOutputStream(tmp)) {
                bytes = in.transferTo(out);
            }
            String actual = hex(md.digest());
            if (!actual.equalsIgnoreCase(expectedMd5)) {
                throw new DatasetException(url + ": checksum mismatch: expected MD5 " + expectedMd5
                        + ", got " + actual + " (" + bytes + " bytes); the download was discarded");
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            tmp = null;
            if (log != null) {
                log.println("  " + bytes + " bytes, MD5 " + actual + " ok");
            }
        } catch (IOException e) {
            throw new DatasetException(url + ": download failed: " + e, e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no MD5", e);
        } finally {
            if (http != null) {
                http.disconnect();
            }
            deleteQuietly(tmp);
        }
    }

    private static void deleteQuietly(Path p) {
        if (p != null) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException ignored) {
                // Best effort: a leftover .part file is harmless, never used as data.
            }
        }
    }

    static String hex(byte[] b) {
        StringBuilder sb = new StringBuilder(b.length * 2);
        for (byte x : b) {
            sb.append(Character.forDigit((x >> 4) & 0xF, 16)).append(Character.forDigit(x & 0xF, 16));
        }
        return sb.toString();
    }
}
