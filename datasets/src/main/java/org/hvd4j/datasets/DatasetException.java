package org.hvd4j.datasets;

/**
 * A data set could not be found, read or trusted: a missing or malformed file, a failed download,
 * a checksum mismatch. The message always names the file (or URL, or directory) and what is wrong
 * with it, so a program can print {@link #getMessage()} and exit with {@link #exitCode()} instead
 * of showing a stack trace.
 *
 * <p>Unchecked on purpose: data errors surface from deep inside loaders and prefetch threads, and a
 * training program has nothing better to do with them than report and stop.
 */
public class DatasetException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Process exit code for data errors (2, the usual "bad input" code; 1 stays for crashes). */
    public static final int EXIT_CODE = 2;

    /**
     * @param message what is wrong, naming the file, URL or directory
     */
    public DatasetException(String message) {
        super(message);
    }

    /**
     * @param message what is wrong, naming the file, URL or directory
     * @param cause the underlying I/O or parse failure
     */
    public DatasetException(String message, Throwable cause) {
        super(message, cause);
    }

    /**
     * @return the exit code a command-line program should use for this error: {@value #EXIT_CODE}
     */
    public int exitCode() {
        return EXIT_CODE;
    }
}
