package org.hvd4j.launcher;

import java.util.List;
import java.util.Map;

/**
 * What hvdrun starts for one rank.
 *
 * @param place       where the rank runs
 * @param remote      true when it is started through ssh
 * @param argv        the local process to start: the rank wrapper, or ssh running it remotely
 * @param environment variables sent on the wrapper's standard input (never on a command line)
 * @param command     the rank's own command, for messages and {@code --dry-run}
 */
record RankLaunch(RankPlacement place, boolean remote, List<String> argv, Map<String, String> environment,
                  List<String> command) {
}
