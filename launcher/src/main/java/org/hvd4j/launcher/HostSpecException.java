package org.hvd4j.launcher;

/**
 * A malformed {@code -H} value or host file. The message names the source (the option or the file
 * and line), shows the offending text and puts a caret under the bad token.
 */
public final class HostSpecException extends IllegalArgumentException {
    HostSpecException(String source, String text, int column, String problem) {
        super(source + ": " + problem + "\n  " + text + "\n  " + " ".repeat(Math.max(0, column)) + "^");
    }
}
