package org.hvd4j.launcher;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The small {@code sh} program every rank runs under, locally and through ssh alike.
 *
 * <p>Why a wrapper: (1) the environment, the job secret included, arrives on standard input as
 * {@code NAME=VALUE} lines ended by an empty line, so no secret ever appears on a command line
 * that {@code ps} shows to other users, here or on a remote host; (2) the rank runs in its own
 * session ({@code setsid}), so stopping it stops the processes it started too; (3) a watcher
 * reads the rest of standard input: when it ends — hvdrun closed it to stop the rank, or hvdrun
 * or its ssh connection died — the rank's process group gets SIGTERM and, {@code grace} seconds
 * later, SIGKILL. No rank outlives its launcher. (4) SIGINT is ignored, so a Ctrl-C on the
 * terminal reaches only hvdrun, which then stops every rank in order.
 *
 * <p>The wrapper exits with the rank's status: its exit code, or 128 + the signal that killed it.
 */
final class RankWrapper {
    /** {@code $0} of the wrapper: names the wrapper's processes in the process table. */
    static final String NAME = "hvd4j-rank";

    private RankWrapper() {
    }

    /** The wrapper script; its arguments are the working directory, then the command. */
    static String script(int graceSeconds) {
        return String.join("\n",
                "trap '' INT",
                "while IFS= read -r kv && [ -n \"$kv\" ]; do export \"$kv\"; done",
                "dir=$1; shift",
                "cd \"$dir\" || { echo \"hvdrun: cannot enter $dir on $(hostname)\" >&2; exit 127; }",
                // a background job's stdin is /dev/null in sh: the watcher reads the pipe through fd 3
                "exec 3<&0",
                "if command -v setsid > /dev/null 2>&1; then setsid \"$@\" < /dev/null 3<&- & else \"$@\" < /dev/null 3<&- & fi",
                "pid=$!",
                // after SIGTERM, wait in short naps while the rank's group lives, so that nothing of
                // the watcher outlives the rank by more than a tenth of a second
                "( cat <&3 > /dev/null; kill -TERM -\"$pid\" || kill -TERM \"$pid\"; i=0",
                "  while [ $i -lt " + graceSeconds * 10 + " ] && { kill -0 -\"$pid\" || kill -0 \"$pid\"; }; do"
                        + " sleep 0.1 3<&-; i=$((i + 1)); done",
                "  kill -KILL -\"$pid\" || kill -KILL \"$pid\" ) > /dev/null 2>&1 &",
                "watch=$!",
                // sh would print "Terminated" for the rank it waits on; hvdrun reports exits itself
                "wait \"$pid\" 2> /dev/null; rc=$?",
                "kill \"$watch\" 2> /dev/null",
                "exit $rc");
    }

    /** The argv that runs {@code command} in {@code dir} under the wrapper on this host. */
    static List<String> local(String dir, List<String> command, int graceSeconds) {
        List<String> argv = new ArrayList<>(List.of("sh", "-c", script(graceSeconds), NAME, dir));
        argv.addAll(command);
        return argv;
    }

    /** The one command string ssh hands to the remote user's shell. */
    static String remote(String dir, List<String> command, int graceSeconds) {
        List<String> words = new ArrayList<>(List.of("sh", "-c", script(graceSeconds), NAME, dir));
        words.addAll(command);
        return ShellQuote.join(words);
    }

    /** The standard-input preamble: {@code NAME=VALUE} lines and an empty line. */
    static String environmentLines(Map<String, String> env) {
        StringBuilder b = new StringBuilder();
        for (Map.Entry<String, String> e : env.entrySet()) {
            checkVariable(e.getKey(), e.getValue());
            b.append(e.getKey()).append('=').append(e.getValue()).append('\n');
        }
        return b.append('\n').toString();
    }

    /** Names the wrapper can export: a shell identifier and a value without line breaks. */
    static void checkVariable(String name, String value) {
        if (!name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
            throw new IllegalArgumentException("environment variable name '" + name + "' is not a valid name "
                    + "(letters, digits and _, not starting with a digit)");
        }
        if (value.indexOf('\n') >= 0 || value.indexOf('\r') >= 0 || value.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("environment variable " + name + " has a line break or NUL in its "
                    + "value, which hvdrun cannot pass to ranks");
        }
    }
}
