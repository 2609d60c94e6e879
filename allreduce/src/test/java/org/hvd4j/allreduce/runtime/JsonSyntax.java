package org.hvd4j.allreduce.runtime;

/** A strict JSON syntax check (RFC 8259), enough to prove a file parses; no values are built. */
final class JsonSyntax {
    private final String s;
    private int i;

    private JsonSyntax(String s) {
        this.s = s;
    }

    /** Throws IllegalArgumentException with the offset of the first error. */
    static void check(String text) {
        JsonSyntax p = new JsonSyntax(text);
        p.ws();
        p.value();
        p.ws();
        if (p.i != text.length()) {
            throw p.error("trailing characters");
        }
    }

    private void value() {
        ws();
        if (i >= s.length()) {
            throw error("unexpected end");
        }
        char c = s.charAt(i);
        switch (c) {
            case '{' -> object();
            case '[' -> array();
            case '"' -> string();
            case 't' -> literal("true");
            case 'f' -> literal("false");
            case 'n' -> literal("null");
            default -> number();
        }
    }

    private void object() {
        i++;
        ws();
        if (peek() == '}') {
            i++;
            return;
        }
        while (true) {
            ws();
            string();
            ws();
            expect(':');
            value();
            ws();
            if (peek() == ',') {
                i++;
            } else {
                expect('}');
                return;
            }
        }
    }

    private void array() {
        i++;
        ws();
        if (peek() == ']') {
            i++;
            return;
        }
        while (true) {
            value();
            ws();
            if (peek() == ',') {
                i++;
            } else {
                expect(']');
                return;
            }
        }
    }

    private void string() {
        expect('"');
        while (i < s.length() && s.charAt(i) != '"') {
            char c = s.charAt(i++);
            if (c == '\\') {
                char e = s.charAt(i++);
                if (e == 'u') {
                    for (int k = 0; k < 4; k++) {
                        if (Character.digit(s.charAt(i++), 16) < 0) {
                            throw error("bad \\u escape");
                        }
                    }
                } else if ("\"\\/bfnrt".indexOf(e) < 0) {
                    throw error("bad escape");
                }
            } else if (c < 0x20) {
                throw error("control character in string");
            }
        }
        expect('"');
    }

    private void number() {
        int start = i;
        if (peek() == '-') {
            i++;
        }
        while (i < s.length() && "0123456789.eE+-".indexOf(s.charAt(i)) >= 0) {
            i++;
        }
        if (i == start) {
            throw error("unexpected character '" + peek() + "'");
        }
        Double.parseDouble(s.substring(start, i));
    }

    private void literal(String word) {
        if (!s.startsWith(word, i)) {
            throw error("expected " + word);
        }
        i += word.length();
    }

    private void expect(char c) {
        if (peek() != c) {
            throw error("expected '" + c + "'");
        }
        i++;
    }

    private char peek() {
        return i < s.length() ? s.charAt(i) : '\0';
    }

    private void ws() {
        while (i < s.length() && " \t\r\n".indexOf(s.charAt(i)) >= 0) {
            i++;
        }
    }

    private IllegalArgumentException error(String what) {
        return new IllegalArgumentException(what + " at offset " + i);
    }
}
