package org.hvd4j.nn.io;

import java.util.LinkedHashMap;
import java.util.Map;
import org.hvd4j.nn.Module;
import org.hvd4j.nn.layers.BatchNorm;
import org.hvd4j.nn.layers.Dropout;

/** The modules of a model by dotted path (the root is {@code ""}), depth first. */
final class ModuleTree {
    private ModuleTree() {
    }

    static Map<String, Module> modules(Module root) {
        Map<String, Module> out = new LinkedHashMap<>();
        collect("", root, out);
        return out;
    }

    private static void collect(String path, Module m, Map<String, Module> out) {
        out.put(path, m);
        for (Map.Entry<String, Module> c : m.children().entrySet()) {
            collect(path.isEmpty() ? c.getKey() : path + "." + c.getKey(), c.getValue(), out);
        }
    }

    /** The batch-norm layers: PyTorch's state_dict has {@code <path>.num_batches_tracked} for each. */
    static Map<String, BatchNorm> batchNorms(Module root) {
        Map<String, BatchNorm> out = new LinkedHashMap<>();
        modules(root).forEach((p, m) -> {
            if (m instanceof BatchNorm b) {
                out.put(p, b);
            }
        });
        return out;
    }

    /** The dropout layers, whose call counters are their position in their mask streams. */
    static Map<String, Dropout> dropouts(Module root) {
        Map<String, Dropout> out = new LinkedHashMap<>();
        modules(root).forEach((p, m) -> {
            if (m instanceof Dropout d) {
                out.put(p.isEmpty() ? "_root" : p, d);
            }
        });
        return out;
    }
}
