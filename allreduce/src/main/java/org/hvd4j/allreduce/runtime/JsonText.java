package org.hvd4j.allreduce.runtime;

import java.util.Locale;

/** JSON string literals, for the files the project writes by hand (timeline, run summaries). */
public final class JsonText {
    private JsonText() {
    }

    /** {@code s} as a JSON string literal with its quotes: {@code "}, {@code \} and control characters escaped. */
    public static String quote(String s) {
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}
