package org.hvd4j.datasets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The search order and the download, against temporary directories and a loopback HTTP server. */
class FashionMnistLocatorTest {
    private static final int TRAIN = 40;
    private static final int TEST = 20;
    private static final int SIDE = 4;

    @TempDir
    Path tmp;
    private Path home;
    private Path system;
    private Path served;
    private HttpServer server;
    private final AtomicInteger requests = new AtomicInteger();
    private final ByteArrayOutputStream logBytes = new ByteArrayOutputStream();
    private final PrintStream log = new PrintStream(logBytes, true, StandardCharsets.UTF_8);

    @BeforeEach
    void setUp() throws IOException {
        home = tmp.resolve("home/.hvd4j/data/fashion-mnist");
        system = tmp.resolve("usr/share/datasets/fashion-mnist");
        served = Files.createDirectories(tmp.resolve("mirror"));
        SyntheticIdx.writeFashionLike(served, TRAIN, TEST, SIDE, true);
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/fm/", ex -> {
            requests.incrementAndGet();
            Path f = served.resolve(ex.getRequestURI().getPath().substring("/fm/".length()));
            if (!Files.isRegularFile(f)) {
                ex.sendResponseHeaders(404, -1);
            } else {
                byte[] body = Files.readAllBytes(f);
                ex.sendResponseHeaders(200, body.length);
                try (OutputStream os = ex.getResponseBody()) {
                    os.write(body);
                }
            }
            ex.close();
        });
        server.start();
    }

    @AfterEach
    void tearDown() {
        server.stop(0);
    }

    private URI mirror() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/fm/");
    }

    private Map<String, String> servedMd5() throws Exception {
        Map<String, String> m = new HashMap<>();
        for (String name : FashionMnist.FILES) {
            byte[] d = MessageDigest.getInstance("MD5").digest(Files.readAllBytes(served.resolve(name + ".gz")));
            m.put(name, Downloader.hex(d));
        }
        return m;
    }

    private FashionMnistLocator locator() throws Exception {
        return new FashionMnistLocator().homeDir(home).systemDir(system).mirror(mirror())
                .checksums(servedMd5()).expect(TRAIN, TEST, SIDE);
    }

    private static List<String> listing(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void downloadsVerifiesAndThenUsesTheHomeCopy() throws Exception {
        FashionMnist fm = locator().load(null, true, log);
        assertEquals(home, fm.source());
        assertEquals(TRAIN, fm.train().size());
        assertEquals(TEST, fm.test().size());
        assertEquals(4, requests.get());
        assertEquals(List.of("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz",
                "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"), listing(home));
        assertTrue(logBytes.toString(StandardCharsets.UTF_8).contains("MD5"), logBytes.toString());
        // second load: found in the home directory, no network
        FashionMnist again = locator().load(null, true, null);
        assertEquals(4, requests.get());
        assertEquals(fm.train().label(7), again.train().label(7));
    }

    @Test
    void downloadsOnlyTheMissingFiles() throws Exception {
        Files.createDirectories(home);
        Files.copy(served.resolve(FashionMnist.TRAIN_IMAGES + ".gz"), home.resolve(FashionMnist.TRAIN_IMAGES + ".gz"));
        locator().load(null, true, null);
        assertEquals(3, requests.get());
    }

    @Test
    void checksumMismatchFailsAndLeavesNothingBehind() throws Exception {
        Map<String, String> wrong = new HashMap<>(servedMd5());
        wrong.put(FashionMnist.TEST_IMAGES, "00000000000000000000000000000000");
        FashionMnistLocator loc = locator().checksums(wrong);
        DatasetException e = assertThrows(DatasetException.class, () -> loc.load(null, true, null));
        String m = e.getMessage();
        assertTrue(m.contains("checksum mismatch"), m);
        assertTrue(m.contains("t10k-images-idx3-ubyte.gz"), m);
        assertTrue(m.contains("expected MD5 00000000000000000000000000000000"), m);
        assertTrue(m.contains(home.toString()) && m.contains(system.toString()), "lists every place: " + m);
        assertTrue(m.contains("apt-get install dataset-fashion-mnist"), m);
        assertTrue(listing(home).stream().noneMatch(n -> n.startsWith(FashionMnist.TEST_IMAGES)),
                "no partial or bad file: " + listing(home));
        assertTrue(listing(home).stream().noneMatch(n -> n.endsWith(".part")), listing(home).toString());
    }

    @Test
    void httpErrorIsReportedWithEveryPlaceTried() throws Exception {
        FashionMnistLocator loc = locator();
        Files.delete(served.resolve(FashionMnist.TRAIN_LABELS + ".gz"));
        DatasetException e = assertThrows(DatasetException.class, () -> loc.load(null, true, null));
        String m = e.getMessage();
        assertTrue(m.contains("HTTP 404"), m);
        assertTrue(m.contains(mirror() + "train-labels-idx1-ubyte.gz"), m);
        assertTrue(m.contains("1. " + home + ": does not exist"), m);
        assertTrue(m.contains("2. " + system + ": does not exist"), m);
        assertTrue(listing(home).stream().noneMatch(n -> n.endsWith(".part")), listing(home).toString());
        assertEquals(2, e.exitCode());
    }

    @Test
    void noDownloadWhenNotAllowed() throws Exception {
        Files.createDirectories(system);
        Files.copy(served.resolve(FashionMnist.TEST_LABELS + ".gz"), system.resolve(FashionMnist.TEST_LABELS + ".gz"));
        DatasetException e = assertThrows(DatasetException.class, () -> locator().load(null, false, null));
        String m = e.getMessage();
        assertTrue(m.contains(system + ": missing train-images-idx3-ubyte[.gz]"), m);
        assertTrue(m.contains("not allowed"), m);
        assertTrue(m.contains("download these four files into " + home), m);
        assertEquals(0, requests.get());
    }

    @Test
    void systemDirectoryIsSecondAndRawFilesAreAccepted() throws Exception {
        Files.createDirectories(system);
        SyntheticIdx.writeFashionLike(system, TRAIN, TEST, SIDE, false);
        FashionMnist fm = locator().load(null, true, log);
        assertEquals(system, fm.source());
        assertEquals(0, requests.get());
        assertArrayEqualsShape(fm);
    }

    @Test
    void explicitDataDirIsTheOnlyPlaceSearched() throws Exception {
        SyntheticIdx.writeFashionLike(Files.createDirectories(system), TRAIN, TEST, SIDE, true);
        Path given = Files.createDirectories(tmp.resolve("given"));
        DatasetException e = assertThrows(DatasetException.class, () -> locator().load(given, true, null));
        assertTrue(e.getMessage().contains(given + " (--data-dir) is missing train-images-idx3-ubyte[.gz]"),
                e.getMessage());
        assertEquals(0, requests.get());
        SyntheticIdx.writeFashionLike(given, TRAIN, TEST, SIDE, true);
        assertEquals(given, locator().load(given, false, null).source());
    }

    @Test
    void wrongCountIsAnErrorNamingTheFile() throws Exception {
        Path given = Files.createDirectories(tmp.resolve("given"));
        SyntheticIdx.writeFashionLike(given, TRAIN + 1, TEST, SIDE, true);
        DatasetException e = assertThrows(DatasetException.class, () -> locator().load(given, false, null));
        assertTrue(e.getMessage().contains(given.resolve("train-images-idx3-ubyte.gz") + ": has 41 images"),
                e.getMessage());
    }

    @Test
    void wrongImageSizeIsAnError() throws Exception {
        Path given = Files.createDirectories(tmp.resolve("given"));
        SyntheticIdx.writeFashionLike(given, TRAIN, TEST, SIDE + 1, false);
        DatasetException e = assertThrows(DatasetException.class, () -> locator().load(given, false, null));
        assertTrue(e.getMessage().contains("images are 5x5"), e.getMessage());
    }

    private static void assertArrayEqualsShape(FashionMnist fm) {
        org.junit.jupiter.api.Assertions.assertArrayEquals(new int[] {1, SIDE, SIDE}, fm.train().featureShape());
        assertEquals(10, fm.train().numClasses());
    }
}
