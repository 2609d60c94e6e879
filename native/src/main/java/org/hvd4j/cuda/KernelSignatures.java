package org.hvd4j.cuda;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The parameter lists of the hvd4j kernels, read from the launch ABI header
 * {@code hvd4j_kernels.h} (packaged next to the PTX), so that a launch whose arguments do not
 * match the kernel fails with a message instead of corrupting memory on the GPU.
 */
public final class KernelSignatures {
    /** Classpath location of the header. */
    public static final String HEADER = "/org/hvd4j/cuda/hvd4j_kernels.h";

    private static final Pattern DECL = Pattern.compile("__global__\\s+void\\s+(\\w+)\\s*\\(([^)]*)\\)\\s*;");
    private static volatile KernelSignatures shipped;

    private final Map<String, List<KernelArgs.Kind>> kernels;

    private KernelSignatures(Map<String, List<KernelArgs.Kind>> kernels) {
        this.kernels = Collections.unmodifiableMap(kernels);
    }

    /** The signatures of the header shipped with this build. */
    public static KernelSignatures shipped() {
        KernelSignatures s = shipped;
        if (s == null) {
            try (InputStream in = KernelSignatures.class.getResourceAsStream(HEADER)) {
                if (in == null) {
                    throw new IllegalStateException("kernel header " + HEADER + " missing from the classpath: "
                            + "the hvd4j-native jar is incomplete, rebuild it with 'mvn install'");
                }
                s = parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new IllegalStateException("cannot read " + HEADER + ": " + e.getMessage(), e);
            }
            shipped = s;
        }
        return s;
    }

    /** Parses the {@code __global__} declarations of a header (comments removed first). */
    public static KernelSignatures parse(String header) {
        String code = header.replaceAll("(?s)/\\*.*?\\*/", " ").replaceAll("//[^\\n]*", " ");
        Map<String, List<KernelArgs.Kind>> map = new LinkedHashMap<>();
        Matcher m = DECL.matcher(code);
        while (m.find()) {
            List<KernelArgs.Kind> kinds = new ArrayList<>();
            String params = m.group(2).trim();
            if (!params.isEmpty() && !params.equals("void")) {
                for (String p : params.split(",")) {
                    kinds.add(kindOf(m.group(1), p.trim()));
                }
            }
            if (map.put(m.group(1), List.copyOf(kinds)) != null) {
                throw new IllegalArgumentException("kernel " + m.group(1) + " declared twice");
            }
        }
        return new KernelSignatures(map);
    }

    private static KernelArgs.Kind kindOf(String kernel, String param) {
        if (param.contains("*")) {
            return KernelArgs.Kind.PTR;
        }
        String type = param.replaceAll("\\s+\\w+$", "").replace("const", "").trim();
        return switch (type) {
            case "int" -> KernelArgs.Kind.I32;
            case "float" -> KernelArgs.Kind.F32;
            case "unsigned long long" -> KernelArgs.Kind.U64;
            default -> throw new IllegalArgumentException(
                    "kernel " + kernel + ": parameter type '" + type + "' is not one of int, float, "
                            + "unsigned long long or a pointer");
        };
    }

    /** Kernel names in declaration order. */
    public List<String> names() {
        return List.copyOf(kernels.keySet());
    }

    /** The parameter kinds of {@code kernel}, or null if there is no such kernel. */
    public List<KernelArgs.Kind> of(String kernel) {
        return kernels.get(kernel);
    }

    /**
     * Checks a launch's arguments against the kernel's parameters.
     *
     * @throws CudaException naming the kernel, the expected and the given parameter kinds
     */
    public void check(String kernel, KernelArgs args) {
        List<KernelArgs.Kind> want = kernels.get(kernel);
        if (want == null) {
            throw new CudaException("launch", 0, "no kernel named '" + kernel + "' in " + HEADER);
        }
        boolean ok = want.size() == args.size();
        for (int i = 0; ok && i < want.size(); i++) {
            ok = want.get(i) == args.kind(i);
        }
        if (!ok) {
            throw new CudaException("launch", 0, "kernel " + kernel + " takes "
                    + want.toString().replace('[', '(').replace(']', ')') + ", was given " + args.signature());
        }
    }
}
