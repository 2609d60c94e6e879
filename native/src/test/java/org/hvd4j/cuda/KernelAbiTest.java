package org.hvd4j.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The launch ABI header, the kernel sources and the committed PTX agree: every kernel the header
 * declares is defined once, {@code extern "C"}, with the same parameter kinds, in the .cu file its
 * section heading names, and is an entry of the PTX with matching parameter types; nothing else is
 * a kernel.
 */
class KernelAbiTest {
    /** {@code .visible .entry name(\n .param .u64 name_param_0, ...)}. */
    private static final Pattern ENTRY = Pattern.compile("\\.entry\\s+(\\w+)\\s*\\(([^)]*)\\)");
    private static final Pattern PARAM = Pattern.compile("\\.param\\s+\\.(\\w+)\\b");
    /** A kernel definition: extern "C" __global__ void [__launch_bounds__(...)] name(params) {. */
    private static final Pattern DEFINITION = Pattern.compile(
            "extern\\s+\"C\"\\s+__global__\\s+void\\s+(?:__launch_bounds__\\s*\\([^)]*\\)\\s*)?(\\w+)\\s*\\(([^)]*)\\)\\s*\\{");
    private static final Pattern GLOBAL = Pattern.compile("__global__");
    private static final Pattern SECTION = Pattern.compile("//\\s*-+\\s*(\\w+\\.cu)\\b");
    private static final Pattern HEADER_DECL = Pattern.compile("__global__\\s+void\\s+(\\w+)\\s*\\(");

    private static KernelSignatures header() {
        return KernelSignatures.parse(KernelSources.read(KernelSources.header()));
    }

    /** PTX entry name to its parameter types (u64, u32, f32, ...), in order. */
    static Map<String, List<String>> ptxEntries(String ptx) {
        Map<String, List<String>> entries = new LinkedHashMap<>();
        Matcher m = ENTRY.matcher(ptx);
        while (m.find()) {
            List<String> types = new ArrayList<>();
            Matcher p = PARAM.matcher(m.group(2));
            while (p.find()) {
                types.add(p.group(1));
            }
            if (entries.put(m.group(1), types) != null) {
                throw new AssertionError("PTX entry " + m.group(1) + " appears twice");
            }
        }
        return entries;
    }

    /** The PTX parameter type each ABI kind compiles to. */
    static String ptxType(KernelArgs.Kind kind) {
        return switch (kind) {
            case PTR, U64 -> "u64";
            case I32 -> "u32";
            case F32 -> "f32";
        };
    }

    /** Kernel name to the .cu file that defines it, checking each definition against the header. */
    static Map<String, String> definitions(KernelSignatures header) {
        Map<String, String> where = new LinkedHashMap<>();
        for (Path cu : KernelSources.cuFiles()) {
            String file = cu.getFileName().toString();
            String code = KernelSources.code(KernelSources.read(cu));
            Matcher d = DEFINITION.matcher(code);
            int defined = 0;
            while (d.find()) {
                defined++;
                String name = d.group(1);
                List<KernelArgs.Kind> want = header.of(name);
                assertNotNull(want, file + " defines kernel " + name + ", which hvd4j_kernels.h does not declare");
                // the definition's parameter list parsed as a declaration, by the same parser
                List<KernelArgs.Kind> got = KernelSignatures.parse("__global__ void " + name + "(" + d.group(2) + ");")
                        .of(name);
                assertEquals(want, got, file + ": kernel " + name + "'s parameters differ from its declaration");
                String before = where.put(name, file);
                assertTrue(before == null, "kernel " + name + " is defined in " + before + " and in " + file);
            }
            // a __global__ the pattern above does not see (no extern "C", other spelling) is not allowed
            int globals = 0;
            for (Matcher g = GLOBAL.matcher(code); g.find(); ) {
                globals++;
            }
            assertEquals(defined, globals, file + " has " + globals + " __global__ but " + defined
                    + " definitions of the form 'extern \"C\" __global__ void name(...) {'");
        }
        return where;
    }

    @Test
    void headerDeclaresTheKernels() {
        KernelSignatures h = header();
        assertTrue(h.names().size() >= 30, "hvd4j_kernels.h declares only " + h.names());
        // the packaged header (what KernelSignatures.shipped() reads) is the source header
        assertEquals(h.names(), KernelSignatures.shipped().names());
    }

    @Test
    void everyDeclaredKernelIsAPtxEntryWithMatchingParameters() {
        KernelSignatures h = header();
        Map<String, List<String>> entries = ptxEntries(KernelSources.read(KernelSources.committedPtx()));
        for (String name : h.names()) {
            List<String> types = entries.get(name);
            assertNotNull(types, "the committed PTX has no '.entry " + name + "(': " + KernelSources.STALE);
            List<String> want = h.of(name).stream().map(KernelAbiTest::ptxType).toList();
            assertEquals(want, types, "PTX entry " + name + " takes " + types + ", the header says " + h.of(name)
                    + " (" + want + ")");
        }
        TreeSet<String> extra = new TreeSet<>(entries.keySet());
        extra.removeAll(h.names());
        assertTrue(extra.isEmpty(), "PTX entries not declared in hvd4j_kernels.h: " + extra);
    }

    @Test
    void everyKernelIsDefinedOnceInTheFileItsHeaderSectionNames() {
        KernelSignatures h = header();
        Map<String, String> where = definitions(h);
        // section headings "// ---- elementwise.cu ----" name the file of the declarations below them
        String text = KernelSources.read(KernelSources.header());
        Map<String, String> section = new LinkedHashMap<>();
        String current = null;
        for (String line : text.split("\n")) {
            Matcher s = SECTION.matcher(line);
            if (s.find()) {
                current = s.group(1);
            }
            Matcher d = HEADER_DECL.matcher(KernelSources.code(line));
            if (d.find()) {
                section.put(d.group(1), current);
            }
        }
        for (String name : h.names()) {
            assertNotNull(where.get(name), "kernel " + name + " is declared in hvd4j_kernels.h but defined in no .cu file");
            assertEquals(section.get(name), where.get(name), "kernel " + name + " is defined in the wrong file");
        }
        assertEquals(h.names().size(), where.size());
    }

    @Test
    void theUnityFileIncludesEverySourceOnce() {
        String unity = KernelSources.code(KernelSources.read(KernelSources.cudaDir().resolve("hvd4j_kernels.cu")));
        for (Path cu : KernelSources.cuFiles()) {
            String file = cu.getFileName().toString();
            String code = KernelSources.code(KernelSources.read(cu));
            if (file.equals("hvd4j_kernels.cu")) {
                assertFalse(GLOBAL.matcher(code).find(), "the unity file should only #include the sources");
                continue;
            }
            assertTrue(code.contains("#include \"hvd4j_kernels.h\""), file + " does not #include \"hvd4j_kernels.h\"");
            int n = 0;
            for (Matcher m = Pattern.compile("#include\\s+\"" + Pattern.quote(file) + "\"").matcher(unity); m.find(); ) {
                n++;
            }
            assertEquals(1, n, "hvd4j_kernels.cu must #include \"" + file + "\" exactly once, so that one PTX holds every kernel");
        }
    }

    @Test
    void ptxIsPackagedAndNamesNoMachinePath() throws IOException {
        String ptx;
        try (InputStream in = KernelSignatures.class.getResourceAsStream("/org/hvd4j/cuda/hvd4j_kernels.ptx")) {
            assertNotNull(in, "hvd4j_kernels.ptx is not on the classpath");
            ptx = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        for (String path : List.of("/work/", "/tmp/", "/home/", "/root/", "/usr/", "/opt/", ".file")) {
            assertFalse(ptx.contains(path), "the PTX contains '" + path + "' (a machine path or a source file "
                    + "directive): build it with scripts/build-ptx.sh, which passes no -lineinfo or -G");
        }
        assertTrue(ptx.contains(".target sm_75"), "the PTX is not built for compute_75");
    }

    @Test
    void ptxParserSeesEntriesAndParameters() {
        // the regexes above on a hand-written PTX fragment, so that a format change cannot pass silently
        String ptx = ".visible .entry k1(\n\t.param .u64 k1_param_0,\n\t.param .u32 k1_param_1,\n\t.param .f32 k1_param_2\n)\n"
                + "{\n}\n.visible .entry k2(\n\n)\n{\n}\n";
        Map<String, List<String>> e = ptxEntries(ptx);
        assertEquals(List.of("u64", "u32", "f32"), e.get("k1"));
        assertEquals(List.of(), e.get("k2"));
    }
}
