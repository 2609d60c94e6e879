package org.hvd4j.cuda;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * The kernel sources and the committed PTX as files of this checkout (the tests run in the
 * {@code native} module's directory), and the sources hash that {@code scripts/build-ptx.sh} writes
 * into the PTX's first line.
 */
final class KernelSources {
    /** What every staleness failure says. */
    static final String STALE = "committed PTX is stale against native/src/main/cuda: "
            + "run scripts/build-ptx.sh and commit the result";
    /** Prefix of the PTX's first line. */
    static final String HASH_LINE = "// hvd4j-sources-sha256: ";

    private KernelSources() {
    }

    /** The {@code native} module's directory (surefire's {@code basedir}, else the working directory). */
    static Path module() {
        String basedir = System.getProperty("basedir");
        return Path.of(basedir == null || basedir.isEmpty() ? "" : basedir).toAbsolutePath();
    }

    static Path cudaDir() {
        return module().resolve("src/main/cuda");
    }

    static Path header() {
        return cudaDir().resolve("hvd4j_kernels.h");
    }

    static Path committedPtx() {
        return module().resolve("src/main/resources/org/hvd4j/cuda/hvd4j_kernels.ptx");
    }

    static Path buildScript() {
        return module().resolve("../scripts/build-ptx.sh").normalize();
    }

    /**
     * The hashed sources: regular files directly in {@code src/main/cuda} ending in .h, .cuh or .cu,
     * sorted by name (ASCII names, so String order is byte order, as the script's {@code LC_ALL=C sort}).
     */
    static List<Path> hashedSources() {
        try (Stream<Path> files = Files.list(cudaDir())) {
            return files.filter(Files::isRegularFile)
                    .filter(p -> p.getFileName().toString().matches(".*\\.(h|cuh|cu)"))
                    .sorted((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString()))
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The .cu files, sorted by name. */
    static List<Path> cuFiles() {
        List<Path> cu = new ArrayList<>();
        for (Path p : hashedSources()) {
            if (p.getFileName().toString().endsWith(".cu")) {
                cu.add(p);
            }
        }
        return cu;
    }

    /** SHA-256 over "name\nsize\n" + bytes of each hashed source in order (see scripts/build-ptx.sh). */
    static String sourcesHash() {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (Path p : hashedSources()) {
                byte[] bytes = Files.readAllBytes(p);
                sha.update((p.getFileName() + "\n" + bytes.length + "\n").getBytes(StandardCharsets.US_ASCII));
                sha.update(bytes);
            }
            return HexFormat.of().formatHex(sha.digest());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String read(Path p) {
        try {
            return Files.readString(p, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Source text without comments (block and line). */
    static String code(String source) {
        return source.replaceAll("(?s)/\\*.*?\\*/", " ").replaceAll("//[^\\n]*", " ");
    }
}
