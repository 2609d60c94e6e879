package org.hvd4j.allreduce.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TimelineTest {
    @TempDir
    Path dir;

    @Test
    void fileIsValidJsonAfterEveryFlushAndAtStart() throws Exception {
        Path f = dir.resolve("t.json");
        try (Timeline t = Timeline.open(f)) {
            JsonSyntax.check(Files.readString(f));
            assertEquals("[\n]", Files.readString(f));
            for (int k = 0; k < 5; k++) {
                t.begin("fc1.weight", "NEGOTIATE_ALLREDUCE");
                t.begin("weird \"name\"\n", "ALLREDUCE shm");
                t.end("weird \"name\"\n");
                t.end("fc1.weight");
                t.flush();
                String text = Files.readString(f);
                JsonSyntax.check(text);
                assertTrue(text.endsWith("\n]"));
            }
        }
        String text = Files.readString(f);
        JsonSyntax.check(text);
        assertTrue(text.contains("\"name\":\"process_name\""));
        assertTrue(text.contains("\"ph\":\"B\""));
        assertEquals(2, text.split("process_name", -1).length - 1, "one process per tensor");
    }

    @Test
    void validatorRejectsTruncatedJson() {
        assertThrows(IllegalArgumentException.class, () -> JsonSyntax.check("[{\"a\":1},"));
        assertThrows(IllegalArgumentException.class, () -> JsonSyntax.check("[{\"a\":1}"));
    }
}
