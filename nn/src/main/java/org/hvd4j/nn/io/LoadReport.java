package org.hvd4j.nn.io;

import java.util.List;

/**
 * What a weight load matched.
 *
 * @param loaded     names whose values were copied into the model
 * @param missing    the model's names that the file lacks (they keep their values)
 * @param unexpected the file's names that the model lacks (ignored)
 * @param mismatched {@code name: file [dims] vs model [dims]} for names whose shapes differ (not loaded)
 */
public record LoadReport(List<String> loaded, List<String> missing, List<String> unexpected,
                         List<String> mismatched) {

    /** True when everything matched: nothing missing, unexpected or mismatched. */
    public boolean exact() {
        return missing.isEmpty() && unexpected.isEmpty() && mismatched.isEmpty();
    }

    /** The problems in one message ({@code missing: [...]; unexpected: [...]; shape mismatch: [...]}), or "". */
    public String problems() {
        StringBuilder sb = new StringBuilder();
        append(sb, "missing in the file", missing);
        append(sb, "unexpected (not in the model)", unexpected);
        append(sb, "shape mismatch", mismatched);
        return sb.toString();
    }

    private static void append(StringBuilder sb, String what, List<String> names) {
        if (!names.isEmpty()) {
            if (sb.length() > 0) {
                sb.append("; ");
            }
            sb.append(what).append(": ").append(names.size() <= 30 ? names.toString()
                    : names.subList(0, 30) + " and " + (names.size() - 30) + " more");
        }
    }
}
