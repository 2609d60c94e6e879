package org.hvd4j.launcher;

import java.util.List;
import java.util.regex.Pattern;

/** POSIX shell quoting: a word becomes one argument however the remote shell splits it. */
final class ShellQuote {
    private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9_@%+=:,./-]+");

    private ShellQuote() {
    }

    /** {@code word} quoted for {@code sh}: as is when it has only safe characters, else in single quotes. */
    static String quote(String word) {
        if (!word.isEmpty() && SAFE.matcher(word).matches()) {
            return word;
        }
        return "'" + word.replace("'", "'\\''") + "'";
    }

    /** The words quoted and joined by spaces. */
    static String join(List<String> words) {
        StringBuilder b = new StringBuilder();
        for (String w : words) {
            if (b.length() > 0) {
                b.append(' ');
            }
            b.append(quote(w));
        }
        return b.toString();
    }
}
