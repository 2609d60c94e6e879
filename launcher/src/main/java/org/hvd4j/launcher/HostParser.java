package org.hvd4j.launcher;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses the two ways of naming hosts, strictly: every token must be understood, and an error
 * points at the one that is not.
 *
 * <ul>
 *   <li>{@code -H host1:2,host2:4} — comma-separated {@code host[:slots]}; IPv6 literals in
 *       brackets ({@code [fe80::1]:2}); a host without {@code :slots} has 1 slot, as in mpirun;</li>
 *   <li>a host file — one host per line, {@code host [slots=N]}, {@code #} starts a comment,
 *       blank lines are skipped (Horovod's and Open MPI's format, without Open MPI's other keys).</li>
 * </ul>
 * A host listed twice is an error (which of the two slot counts was meant is not knowable).
 */
public final class HostParser {
    private HostParser() {
    }

    /** Hosts of a {@code -H} value such as {@code a:2,b:2}. */
    public static List<HostSlots> parseHosts(String value) {
        String source = "-H";
        List<HostSlots> hosts = new ArrayList<>();
        Map<String, Integer> seen = new HashMap<>();
        int pos = 0;
        for (String item : value.split(",", -1)) {
            if (item.isBlank()) {
                throw new HostSpecException(source, value, pos, "empty host entry (two commas, or a comma at an end?)");
            }
            String host = item;
            int slots = 1;
            int colon = hostEnd(item);
            if (colon < 0) {
                throw new HostSpecException(source, value, pos, "unclosed '[' in IPv6 address '" + item + "'");
            }
            if (colon < item.length()) {
                host = item.substring(0, colon);
                String count = item.substring(colon + 1);
                slots = slotCount(count, source, value, pos + colon + 1);
            }
            host = unbracket(host);
            checkHostName(host, source, value, pos);
            if (seen.put(host, pos) != null) {
                throw new HostSpecException(source, value, pos, "host '" + host + "' is listed twice");
            }
            hosts.add(new HostSlots(host, slots));
            pos += item.length() + 1;
        }
        return hosts;
    }

    /** Hosts of a host file. */
    public static List<HostSlots> parseHostfile(Path file) throws IOException {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("--hostfile " + file + ": no such file");
        }
        return parseHostfile(file.toString(), lines);
    }

    /** Hosts of host-file {@code lines}; {@code name} is used in error messages. */
    public static List<HostSlots> parseHostfile(String name, List<String> lines) {
        List<HostSlots> hosts = new ArrayList<>();
        Map<String, Integer> seen = new HashMap<>();
        for (int n = 0; n < lines.size(); n++) {
            String line = lines.get(n);
            String source = name + ":" + (n + 1);
            int hash = line.indexOf('#');
            String content = hash >= 0 ? line.substring(0, hash) : line;
            List<int[]> tokens = tokens(content);
            if (tokens.isEmpty()) {
                continue;
            }
            int[] first = tokens.get(0);
            String host = unbracket(content.substring(first[0], first[1]));
            checkHostName(host, source, line, first[0]);
            int slots = 1;
            for (int t = 1; t < tokens.size(); t++) {
                int[] tok = tokens.get(t);
                String word = content.substring(tok[0], tok[1]);
                if (!word.startsWith("slots=")) {
                    throw new HostSpecException(source, line, tok[0], "expected 'slots=N' after the host, got '" + word + "'");
                }
                if (t > 1) {
                    throw new HostSpecException(source, line, tok[0], "slots given twice");
                }
                slots = slotCount(word.substring(6), source, line, tok[0] + 6);
            }
            Integer before = seen.put(host, n + 1);
            if (before != null) {
                throw new HostSpecException(source, line, first[0], "host '" + host + "' is listed twice (also on line "
                        + before + ")");
            }
            hosts.add(new HostSlots(host, slots));
        }
        if (hosts.isEmpty()) {
            throw new IllegalArgumentException("--hostfile " + name + " names no hosts");
        }
        return hosts;
    }

    /** Where the host part of {@code host[:slots]} ends, or -1 for an unclosed bracket. */
    private static int hostEnd(String item) {
        if (item.startsWith("[")) {
            int close = item.indexOf(']');
            if (close < 0) {
                return -1;
            }
            return close + 1;
        }
        int colon = item.indexOf(':');
        return colon < 0 ? item.length() : colon;
    }

    private static int slotCount(String text, String source, String whole, int column) {
        if (text.isEmpty() || !text.chars().allMatch(Character::isDigit)) {
            throw new HostSpecException(source, whole, column, "slots must be a positive integer, got '" + text + "'");
        }
        int slots;
        try {
            slots = Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new HostSpecException(source, whole, column, "slots '" + text + "' is too large");
        }
        if (slots < 1) {
            throw new HostSpecException(source, whole, column, "slots must be at least 1, got " + slots);
        }
        return slots;
    }

    private static void checkHostName(String host, String source, String whole, int column) {
        if (host.isEmpty()) {
            throw new HostSpecException(source, whole, column, "missing host name");
        }
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            boolean ok = Character.isLetterOrDigit(c) || c == '-' || c == '.' || c == '_' || c == ':' || c == '%'
                    || c == '@';
            if (!ok) {
                throw new HostSpecException(source, whole, column + i, "character '" + c + "' cannot be in a host name");
            }
        }
    }

    private static String unbracket(String host) {
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }

    /** [start, end) of each whitespace-separated token. */
    private static List<int[]> tokens(String s) {
        List<int[]> out = new ArrayList<>();
        int i = 0;
        while (i < s.length()) {
            while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
                i++;
            }
            int start = i;
            while (i < s.length() && !Character.isWhitespace(s.charAt(i))) {
                i++;
            }
            if (i > start) {
                out.add(new int[] {start, i});
            }
        }
        return out;
    }
}
