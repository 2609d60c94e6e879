package org.hvd4j.launcher;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Before anything starts, every remote host must answer an ssh no-op ({@code true}): all hosts in
 * parallel, each tried up to {@link #TRIES} times. Hosts that never answer are listed together,
 * each with ssh's own last words, so one run tells the user everything that is wrong.
 */
final class SshCheck {
    static final int TRIES = 3;

    private SshCheck() {
    }

    /** Throws naming every host of {@code hosts} that ssh cannot reach. */
    static void requireReachable(List<String> hosts, SshSettings ssh, boolean verbose, OutputMux log)
            throws InterruptedException {
        Map<String, CompletableFuture<String>> checks = new LinkedHashMap<>();
        for (String h : hosts) {
            checks.put(h, CompletableFuture.supplyAsync(() -> check(h, ssh)));
        }
        List<String> failed = new ArrayList<>();
        for (Map.Entry<String, CompletableFuture<String>> c : checks.entrySet()) {
            String problem;
            try {
                problem = c.getValue().get();
            } catch (java.util.concurrent.ExecutionException e) {
                problem = String.valueOf(e.getCause());
            }
            if (problem != null) {
                failed.add("  " + c.getKey() + ": " + problem);
            } else if (verbose) {
                log.message("hvdrun: ssh to " + c.getKey() + " works");
            }
        }
        if (!failed.isEmpty()) {
            throw new IllegalStateException("could not reach " + failed.size() + " of " + hosts.size()
                    + " hosts with ssh (BatchMode: a key must be set up; the host key must be known or "
                    + "--ssh-option StrictHostKeyChecking=accept-new given):\n" + String.join("\n", failed));
        }
    }

    /** Null when {@code host} answers, else why not. */
    private static String check(String host, SshSettings ssh) {
        String last = "no answer";
        for (int t = 0; t < TRIES; t++) {
            try {
                Process p = new ProcessBuilder(ssh.command(host, "true")).redirectErrorStream(true)
                        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
                CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> {
                    try {
                        return p.getInputStream().readAllBytes();
                    } catch (IOException e) {
                        return new byte[0];
                    }
                });
                if (!p.waitFor(ssh.connectTimeoutS() + 5L, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    last = "ssh did not finish within " + (ssh.connectTimeoutS() + 5) + " s";
                } else if (p.exitValue() == 0) {
                    return null;
                } else {
                    String text = new String(out.get(1, TimeUnit.SECONDS), StandardCharsets.UTF_8).strip();
                    String[] lines = text.split("\n");
                    last = "ssh exit " + p.exitValue() + (text.isEmpty() ? "" : ": " + lines[lines.length - 1].strip());
                }
            } catch (IOException e) {
                return "cannot run ssh: " + e.getMessage() + " (install openssh-client)";
            } catch (Exception e) {
                last = e.toString();
            }
            if (t + 1 < TRIES) {
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return "interrupted";
                }
            }
        }
        return last + " (" + TRIES + " tries)";
    }
}
