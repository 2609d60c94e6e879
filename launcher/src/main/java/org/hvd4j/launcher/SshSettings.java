package org.hvd4j.launcher;

import java.util.ArrayList;
import java.util.List;

/**
 * How hvdrun reaches remote hosts: the system {@code ssh} client with {@code BatchMode=yes} (never
 * a password prompt that would hang the job) and a connect timeout, plus the user's port,
 * identity, user name and extra {@code -o} options. Host keys are checked as the user's ssh
 * configuration says; {@code --ssh-option StrictHostKeyChecking=accept-new} accepts new hosts.
 *
 * @param program         the ssh client ({@code ssh}, or {@code HVD4J_SSH} from hvdrun's environment)
 * @param port            ssh port, or 0 for ssh's default
 * @param identity        identity file, or null
 * @param user            login name, or null
 * @param options         extra {@code -o} options ({@code Name=value})
 * @param connectTimeoutS ssh's {@code ConnectTimeout}
 */
record SshSettings(String program, int port, String identity, String user, List<String> options, int connectTimeoutS) {
    SshSettings {
        options = List.copyOf(options);
    }

    /** {@code ssh [options] host remoteCommand}. */
    List<String> command(String host, String remoteCommand) {
        List<String> argv = new ArrayList<>(List.of(program, "-o", "BatchMode=yes", "-o", "ConnectTimeout=" + connectTimeoutS));
        if (port > 0) {
            argv.addAll(List.of("-p", Integer.toString(port)));
        }
        if (identity != null) {
            argv.addAll(List.of("-i", identity));
        }
        if (user != null) {
            argv.addAll(List.of("-l", user));
        }
        for (String o : options) {
            argv.addAll(List.of("-o", o));
        }
        argv.add(host);
        argv.add(remoteCommand);
        return argv;
    }
}
