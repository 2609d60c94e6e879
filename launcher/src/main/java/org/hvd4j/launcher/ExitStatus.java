package org.hvd4j.launcher;

/**
 * Words for a process's exit status. A process killed by a signal reports 128 + the signal, as
 * shells, Java's {@link Process} and our rank wrapper all do.
 */
final class ExitStatus {
    private static final String[] NAMES = {null, "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT",
        "SIGBUS", "SIGFPE", "SIGKILL", "SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM"};

    private ExitStatus() {
    }

    /** "exited with code 3" or "was killed by signal 9 (SIGKILL)". */
    static String describe(int code) {
        if (code > 128 && code < 128 + 65) {
            int sig = code - 128;
            String name = sig < NAMES.length ? " (" + NAMES[sig] + ")" : "";
            return "was killed by signal " + sig + name + ", exit status " + code;
        }
        return "exited with code " + code;
    }
}
