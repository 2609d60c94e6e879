package org.hvd4j.launcher;

import java.io.IOException;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;

/**
 * {@code --dry-run}: for each rank, its host and place, the environment it would get and the
 * exact command, without starting anything. The rendezvous port is chosen when the server starts,
 * so it shows as {@code <port>}; the secret is shown as {@code <secret>}.
 */
final class DryRun {
    private DryRun() {
    }

    static void print(PrintStream out, JobRunner job, LaunchSettings s) throws IOException {
        String rv = JobRunner.hostPort(job.rendezvousAddress(), 0).replaceAll(":0$", ":<port>");
        out.println("hvdrun: " + s.size() + " rank(s); rendezvous server at " + rv);
        for (RankLaunch l : job.launches(rv)) {
            RankPlacement p = l.place();
            out.printf("rank %d on %s (local rank %d of %d, cross rank %d of %d), %s%n", p.rank(), p.host(),
                    p.localRank(), p.localSize(), p.crossRank(), p.crossSize(),
                    l.remote() ? "started through ssh" : "started here");
            StringBuilder env = new StringBuilder();
            for (Map.Entry<String, String> e : l.environment().entrySet()) {
                String v = e.getKey().equals("HVD4J_SECRET") ? "<secret>" : e.getValue();
                env.append(' ').append(e.getKey()).append('=').append(ShellQuote.quote(v));
            }
            out.println("  environment (sent on stdin):" + env);
            out.println("  command: " + ShellQuote.join(l.command()));
            List<String> argv = l.argv();
            if (l.remote()) {
                int n = argv.size();
                out.println("  ssh: " + ShellQuote.join(argv.subList(0, n - 1)) + " <rank wrapper: cd "
                        + s.workDir() + ", the environment from stdin, the command>");
            }
        }
    }
}
