package org.hvd4j.examples;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Runs {@code train} in this JVM with its output captured, and reads its summary JSON. */
final class TrainCli {
    /** One run: exit code, stdout, stderr. */
    record Run(int code, String out, String err) {
    }

    private TrainCli() {
    }

    static synchronized Run train(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
        int code;
        try {
            code = Train.run(args);
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
        return new Run(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    }

    /** The value of {@code key} in a one-object JSON file (strings without their quotes). */
    static String json(Path f, String key) throws IOException {
        Matcher m = Pattern.compile("\"" + key + "\": \"?([^,\"}]+)").matcher(Files.readString(f));
        assertTrue(m.find(), key + " in " + Files.readString(f));
        return m.group(1);
    }
}
