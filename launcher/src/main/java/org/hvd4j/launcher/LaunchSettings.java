package org.hvd4j.launcher;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Everything hvdrun was asked to do, parsed and checked: the hosts and ranks, how to reach remote
 * hosts, the runtime settings passed to every rank, and the command.
 *
 * @param placements       one per rank, from {@link RankAssignment}
 * @param ssh              how remote hosts are reached
 * @param networkInterface interface ranks and the rendezvous server use, or null
 * @param startTimeout     how long ranks may take to meet at the rendezvous
 * @param outputDir        {@code --output-filename} folder, or null
 * @param rankEnvironment  variables every rank gets besides its placement (runtime settings,
 *                         {@code --env}, forwarded {@code HVD4J_*}/{@code OPENBLAS_*} variables)
 * @param command          the rank command: a built-in program expanded to its java command, or
 *                         the user's own
 * @param workDir          the ranks' working directory (the same path on every host)
 * @param killGrace        time between SIGTERM and SIGKILL when ranks are stopped
 * @param verbose          log each step
 */
record LaunchSettings(List<RankPlacement> placements, SshSettings ssh, String networkInterface, Duration startTimeout,
                      Path outputDir, Map<String, String> rankEnvironment, List<String> command, Path workDir,
                      Duration killGrace, boolean verbose) {
    LaunchSettings {
        placements = List.copyOf(placements);
        rankEnvironment = Map.copyOf(rankEnvironment);
        command = List.copyOf(command);
    }

    int size() {
        return placements.size();
    }
}
