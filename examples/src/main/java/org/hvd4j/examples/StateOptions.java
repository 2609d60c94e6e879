package org.hvd4j.examples;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code train}'s checkpoint, resume, weight-loading and evaluation options (a picocli mixin); see {@link RunState}. */
public final class StateOptions {
    @Option(names = "--checkpoint-dir", paramLabel = "DIR",
            description = "write a checkpoint at the end of every epoch into DIR (ckpt-epochEEEE-stepSSSSSS.h5)")
    Path checkpointDir;

    @Option(names = "--checkpoint-every-steps", paramLabel = "N",
            description = "also write one every N optimizer steps, 0 = only at epoch ends (default: ${DEFAULT-VALUE})",
            defaultValue = "0")
    int checkpointEverySteps;

    @Option(names = "--keep-checkpoints", paramLabel = "K",
            description = "keep the last K checkpoints in --checkpoint-dir (default: ${DEFAULT-VALUE})", defaultValue = "3")
    int keepCheckpoints;

    @Option(names = "--resume", description = "continue from the newest usable checkpoint in --checkpoint-dir "
            + "(start afresh, or from --init-from, when there is none)")
    boolean resume;

    @Option(names = "--init-from", paramLabel = "FILE.h5",
            description = "start from these weights (an hvd4j checkpoint or a PyTorch state_dict written with h5py)")
    Path initFrom;

    @Option(names = "--init-non-strict", description = "with --init-from: load the names that fit, report the rest")
    boolean initNonStrict;

    @Option(names = "--eval-only", description = "evaluate the weights of --init-from or --resume on the test set "
            + "and exit (--summary-json writes the result)")
    boolean evalOnly;

    @Option(names = "--save", paramLabel = "FILE.h5", description = "write the final weights and buffers to FILE.h5")
    Path save;

    /** @throws IllegalArgumentException naming the first bad option combination */
    StateOptions validate() {
        require(checkpointEverySteps >= 0, "--checkpoint-every-steps must be >= 0, got " + checkpointEverySteps);
        require(keepCheckpoints >= 1, "--keep-checkpoints must be >= 1, got " + keepCheckpoints);
        require(checkpointDir != null || !resume, "--resume needs --checkpoint-dir");
        require(checkpointDir != null || checkpointEverySteps == 0, "--checkpoint-every-steps needs --checkpoint-dir");
        require(!initNonStrict || initFrom != null, "--init-non-strict needs --init-from");
        require(!evalOnly || initFrom != null || resume, "--eval-only needs weights: give --init-from FILE.h5 or "
                + "--resume with --checkpoint-dir");
        return this;
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }
}
