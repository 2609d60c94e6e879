package org.hvd4j.launcher;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.util.Collections;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * The built-in programs {@code hvdrun} knows by name ({@code train}, {@code allreduce-bench}, ...).
 * Each jar of the distribution lists its own in {@value #RESOURCE} as {@code name=main.Class}, so
 * the launcher finds them on its class path without a compile-time dependency on the modules
 * that define them.
 */
public final class Programs {
    /** The resource every program-bearing jar contributes. */
    public static final String RESOURCE = "META-INF/hvd4j/programs.properties";

    private final Map<String, String> mains;

    private Programs(Map<String, String> mains) {
        this.mains = Collections.unmodifiableMap(mains);
    }

    /** The programs listed by every {@value #RESOURCE} visible to {@code loader}. */
    public static Programs discover(ClassLoader loader) {
        Map<String, String> mains = new TreeMap<>();
        try {
            for (URL url : Collections.list(loader.getResources(RESOURCE))) {
                Properties p = new Properties();
                try (InputStream in = url.openStream()) {
                    p.load(in);
                }
                for (String name : p.stringPropertyNames()) {
                    String main = p.getProperty(name).trim();
                    String before = mains.putIfAbsent(name, main);
                    if (before != null && !before.equals(main)) {
                        throw new IllegalStateException("program '" + name + "' is defined twice on the class path: "
                                + before + " and " + main + " (" + url + ")");
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE + " from the class path", e);
        }
        return new Programs(mains);
    }

    /** The main class of program {@code name}, or null when there is no such built-in. */
    public String mainClass(String name) {
        return mains.get(name);
    }

    /** Every program name, sorted. */
    public Map<String, String> all() {
        return mains;
    }
}
