package org.hvd4j.launcher;

import java.io.File;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.hvd4j.allreduce.net.Secret;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code hvdrun}: starts a job of N ranks on one or many hosts, like {@code horovodrun}.
 *
 * <pre>
 * hvdrun [-np N] [-H host1:slots,host2:slots | --hostfile FILE] [ssh options] [runtime options]
 *        COMMAND [ARGS...]
 * </pre>
 * COMMAND is a built-in program ({@link Programs}: {@code train}, {@code allreduce-bench}, ...)
 * or any program ({@code java -cp app.jar com.acme.Train}, a script). Exit status: 0 when every
 * rank succeeded; the status of the first rank that failed; {@value JobRunner#START_TIMEOUT_EXIT}
 * when ranks did not meet at the rendezvous in time; 2 for bad options.
 */
@Command(name = "hvdrun", mixinStandardHelpOptions = true, version = "hvdrun (hvd4j) 0.1.0",
        sortOptions = false, usageHelpAutoWidth = true,
        description = "Runs COMMAND as N ranks of one job, on this host or on many through ssh.%n"
                + "COMMAND is a built-in program (train, allreduce-bench, gemm-bench, ...) or any program.",
        footer = {"", "Remote hosts need the same Java installation, class path and working directory at the same "
                + "paths as here, and ssh access without a password (BatchMode). Each rank gets HVD4J_RANK, "
                + "HVD4J_SIZE, HVD4J_LOCAL_RANK/SIZE, HVD4J_CROSS_RANK/SIZE, HVD4J_HOSTNAME, HVD4J_RENDEZVOUS and "
                + "HVD4J_SECRET; the environment travels on the rank's standard input, never on a command line. "
                + "HVD4J_*, OPENBLAS_* and OMP_* variables of this shell are passed on to every rank. "
                + "HVD4J_SSH names another ssh client; HVD4J_JAVA_OPTS adds JVM options for built-in programs."})
public final class HvdRun implements Callable<Integer> {
    @Option(names = "-np", paramLabel = "N", description = "number of ranks (default: all slots; 1 without -H)")
    Integer np;

    @Option(names = {"-H", "--hosts"}, paramLabel = "HOSTS", description = "host1:slots,host2:slots,... "
            + "(default: localhost:N)")
    String hosts;

    @Option(names = "--hostfile", paramLabel = "FILE", description = "hosts, one per line: 'host slots=N'; # comments")
    Path hostfile;

    @Option(names = {"-p", "--ssh-port"}, paramLabel = "PORT", description = "ssh port")
    int sshPort;

    @Option(names = {"-i", "--ssh-identity-file"}, paramLabel = "FILE", description = "ssh identity (private key)")
    String identity;

    @Option(names = "--ssh-user", paramLabel = "USER", description = "ssh login name")
    String sshUser;

    @Option(names = "--ssh-option", paramLabel = "NAME=VALUE", description = "an extra 'ssh -o' option (repeatable), "
            + "e.g. StrictHostKeyChecking=accept-new")
    List<String> sshOptions = new ArrayList<>();

    @Option(names = "--network-interface", paramLabel = "IF", description = "interface that ranks and the rendezvous "
            + "use (it must have the same name on every host)")
    String networkInterface;

    @Option(names = "--start-timeout", paramLabel = "S", description = "seconds for all ranks to meet at the "
            + "rendezvous (default: ${DEFAULT-VALUE})", defaultValue = "30")
    int startTimeout;

    @Option(names = "--output-filename", paramLabel = "DIR", description = "also write each rank's output to "
            + "DIR/rank.N/stdout and stderr")
    Path outputDir;

    @Option(names = "--timeline", paramLabel = "FILE", description = "write rank 0's timeline (Chrome trace JSON)")
    Path timeline;

    @Option(names = "--fusion-threshold-mb", paramLabel = "MB", description = "tensor fusion buffer size, 0 = no fusion "
            + "(default: 64)")
    Double fusionThresholdMb;

    @Option(names = "--cycle-time-ms", paramLabel = "MS", description = "negotiation cycle (default: 1)")
    Double cycleTimeMs;

    @Option(names = "--stall-check-seconds", paramLabel = "S", description = "warn when ranks wait this long for "
            + "others' tensors, 0 = off (default: 60)")
    Integer stallCheckSeconds;

    @Option(names = "--bind-to", paramLabel = "core|none", description = "core: each rank of a host runs on its own "
            + "share of the host's CPUs (Open MPI's --bind-to core); none: the OS places every thread (default: "
            + "none, or HVD4J_BIND)")
    String bindTo;

    @Option(names = "--env", paramLabel = "NAME[=VALUE]", description = "set a variable for every rank; NAME alone "
            + "passes this shell's value (repeatable)")
    List<String> env = new ArrayList<>();

    @Option(names = "--kill-grace-seconds", paramLabel = "S", description = "between SIGTERM and SIGKILL when ranks "
            + "are stopped (default: ${DEFAULT-VALUE})", defaultValue = "3")
    int killGrace;

    @Option(names = "--verbose", description = "log hosts, commands and each rank's end")
    boolean verbose;

    @Option(names = "--dry-run", description = "print each rank's host, environment and command, then exit")
    boolean dryRun;

    @Option(names = "--check-build", description = "print which backends, transports and native libraries work "
            + "here, then exit")
    boolean checkBuild;

    @Parameters(paramLabel = "COMMAND", arity = "0..*", description = "program and its arguments")
    List<String> command = new ArrayList<>();

    private final PrintStream out;
    private final PrintStream err;
    private final Map<String, String> environment;

    HvdRun(PrintStream out, PrintStream err, Map<String, String> environment) {
        this.out = out;
        this.err = err;
        this.environment = environment;
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err, System.getenv()));
    }

    /** Runs hvdrun with {@code args}; returns its exit status. */
    public static int run(String[] args, PrintStream out, PrintStream err, Map<String, String> environment) {
        CommandLine cl = new CommandLine(new HvdRun(out, err, environment));
        cl.setStopAtPositional(true);
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        cl.setExecutionExceptionHandler((e, line, parsed) -> {
            if (e instanceof IllegalArgumentException || e instanceof IllegalStateException) {
                err.println("hvdrun: " + e.getMessage());
                return 2;
            }
            throw e;
        });
        return cl.execute(args);
    }

    @Override
    public Integer call() throws Exception {
        Programs programs = Programs.discover(HvdRun.class.getClassLoader());
        if (checkBuild) {
            BuildCheck.print(out, programs);
            return 0;
        }
        if (command.isEmpty()) {
            throw new IllegalArgumentException("no COMMAND given: a built-in program (" + String.join(", ",
                    programs.all().keySet()) + ") or any program; see hvdrun --help");
        }
        LaunchSettings settings = settings(programs);
        Secret secret = Secret.random();
        JobRunner job = new JobRunner(settings, secret, out, err);
        if (dryRun) {
            DryRun.print(out, job, settings);
            return 0;
        }
        return job.run();
    }

    private LaunchSettings settings(Programs programs) throws java.io.IOException {
        if (hosts != null && hostfile != null) {
            throw new IllegalArgumentException("give -H or --hostfile, not both");
        }
        List<HostSlots> hostList;
        if (hosts != null) {
            hostList = HostParser.parseHosts(hosts);
        } else if (hostfile != null) {
            hostList = HostParser.parseHostfile(hostfile);
        } else {
            hostList = List.of(new HostSlots("localhost", np == null ? 1 : Math.max(1, np)));
        }
        int ranks = np != null ? np : RankAssignment.slots(hostList);
        List<RankPlacement> placements = RankAssignment.assign(hostList, ranks);
        check(startTimeout > 0, "--start-timeout must be > 0 seconds, got " + startTimeout);
        check(killGrace >= 1, "--kill-grace-seconds must be >= 1, got " + killGrace);
        check(sshPort >= 0 && sshPort <= 65535, "--ssh-port must be 1..65535, got " + sshPort);
        for (String o : sshOptions) {
            check(o.matches("[A-Za-z][A-Za-z0-9]*=.*"), "--ssh-option must be Name=value (an ssh_config option), "
                    + "got '" + o + "'");
        }
        if (identity != null) {
            check(Files.isReadable(Path.of(identity)), "--ssh-identity-file " + identity + " is not a readable file");
        }
        SshSettings ssh = new SshSettings(environment.getOrDefault("HVD4J_SSH", "ssh"), sshPort, identity == null ? null : Path.of(identity).toAbsolutePath().toString(),
                sshUser, sshOptions, 10);
        return new LaunchSettings(placements, ssh, networkInterface, Duration.ofSeconds(startTimeout),
                outputDir == null ? null : outputDir.toAbsolutePath(), rankEnvironment(),
                rankCommand(programs), Path.of(System.getProperty("user.dir")).toAbsolutePath(),
                Duration.ofSeconds(killGrace), verbose);
    }

    /** Runtime settings, forwarded variables and {@code --env}, in that order (later wins). */
    private Map<String, String> rankEnvironment() {
        Map<String, String> e = new LinkedHashMap<>();
        for (Map.Entry<String, String> v : environment.entrySet()) {
            String k = v.getKey();
            boolean forwarded = k.startsWith("HVD4J_") || k.startsWith("OPENBLAS_") || k.startsWith("OMP_");
            if (forwarded && !HVDRUN_SETS.contains(k) && !k.equals("HVD4J_JAVA_OPTS") && !k.equals("HVD4J_SSH")) {
                e.put(k, v.getValue());
            }
        }
        String bind = bindTo != null ? bindTo : environment.getOrDefault("HVD4J_BIND", "none");
        check(bind.equals("core") || bind.equals("none"), "--bind-to must be core or none, got '" + bind + "'");
        // the ranks bind themselves once they know their local rank (org.hvd4j.allreduce.CpuBinding)
        e.put("HVD4J_BIND", bind);
        if (timeline != null) {
            e.put("HVD4J_TIMELINE", timeline.toAbsolutePath().toString());
        }
        if (fusionThresholdMb != null) {
            check(fusionThresholdMb >= 0 && fusionThresholdMb <= 2048, "--fusion-threshold-mb must be 0..2048, got "
                    + fusionThresholdMb);
            e.put("HVD4J_FUSION_THRESHOLD", Long.toString(Math.round(fusionThresholdMb * 1024 * 1024)));
        }
        if (cycleTimeMs != null) {
            check(cycleTimeMs >= 0, "--cycle-time-ms must be >= 0, got " + cycleTimeMs);
            e.put("HVD4J_CYCLE_TIME", String.format(Locale.ROOT, "%s", cycleTimeMs));
        }
        if (stallCheckSeconds != null) {
            check(stallCheckSeconds >= 0, "--stall-check-seconds must be >= 0, got " + stallCheckSeconds);
            if (stallCheckSeconds == 0) {
                e.put("HVD4J_STALL_CHECK_DISABLE", "1");
            } else {
                e.put("HVD4J_STALL_CHECK_TIME_SECONDS", Integer.toString(stallCheckSeconds));
            }
        }
        for (String item : env) {
            int eq = item.indexOf('=');
            String name = eq < 0 ? item : item.substring(0, eq);
            String value = eq < 0 ? environment.get(name) : item.substring(eq + 1);
            check(value != null, "--env " + name + ": " + name + " is not set in this shell (give NAME=VALUE)");
            check(!HVDRUN_SETS.contains(name), "--env " + name + ": hvdrun sets " + name + " itself");
            RankWrapper.checkVariable(name, value);
            e.put(name, value);
        }
        return e;
    }

    /** Variables hvdrun gives each rank itself; the shell's values are not forwarded. */
    private static final java.util.Set<String> HVDRUN_SETS = java.util.Set.of("HVD4J_RANK", "HVD4J_SIZE",
            "HVD4J_LOCAL_RANK", "HVD4J_LOCAL_SIZE", "HVD4J_CROSS_RANK", "HVD4J_CROSS_SIZE", "HVD4J_HOSTNAME",
            "HVD4J_RENDEZVOUS", "HVD4J_SECRET", "HVD4J_START_TIMEOUT", "HVD4J_NETWORK_INTERFACE");

    /** A built-in program becomes {@code java [opts] -cp <this class path> Main args}; anything else runs as given. */
    private List<String> rankCommand(Programs programs) {
        String name = command.get(0);
        String main = programs.mainClass(name);
        List<String> cmd = new ArrayList<>();
        if (main == null) {
            if (!name.contains("/") && !onPath(name)) {
                throw new IllegalArgumentException("'" + name + "' is neither a built-in program (" + String.join(", ",
                        programs.all().keySet()) + ") nor a command on the PATH");
            }
            cmd.addAll(command);
            return cmd;
        }
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // tensors live off-heap (direct buffers): give them room independent of the heap size
        cmd.add("-Xmx2g");
        cmd.add("-XX:MaxDirectMemorySize=8g");
        // the CPU kernels' Vector API path (org.hvd4j.tensor.cpu.Simd); OutputMux drops the JVM's notice about it
        cmd.add("--add-modules");
        cmd.add(org.hvd4j.tensor.cpu.Simd.MODULE);
        String opts = environment.get("HVD4J_JAVA_OPTS");
        if (opts != null && !opts.isBlank()) {
            cmd.addAll(List.of(opts.trim().split("\\s+")));
        }
        cmd.add("-cp");
        cmd.add(absoluteClassPath());
        cmd.add(main);
        cmd.addAll(command.subList(1, command.size()));
        return cmd;
    }

    private boolean onPath(String name) {
        String path = environment.getOrDefault("PATH", "");
        for (String dir : path.split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, name))) {
                return true;
            }
        }
        return false;
    }

    private static String absoluteClassPath() {
        List<String> parts = new ArrayList<>();
        for (String p : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (!p.isEmpty()) {
                parts.add(Path.of(p).toAbsolutePath().normalize().toString());
            }
        }
        return String.join(File.pathSeparator, parts);
    }

    private static void check(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }
}
