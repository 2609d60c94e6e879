package org.hvd4j.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.hvd4j.tensor.cpu.CpuBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Device names: parsing, printing, and errors for strings that are not devices. */
class DeviceTest {

    @Test
    void parsesTheKnownForms() {
        assertEquals(Device.CPU, Device.parse("cpu"));
        assertEquals(Device.CPU, Device.parse(" CPU "));
        assertEquals(new Device(Device.Kind.CUDA, 0), Device.parse("cuda"));
        assertEquals(new Device(Device.Kind.CUDA, 0), Device.parse("cuda:0"));
        assertEquals(new Device(Device.Kind.CUDA, 1), Device.parse("cuda:1"));
        assertEquals(new Device(Device.Kind.CUDA, 12), Device.parse("CUDA:12"));
        assertEquals(new Device(Device.Kind.EMULATED_CUDA, 0), Device.parse("emulated-cuda"));
    }

    @Test
    void printsWhatItParses() {
        for (String s : new String[] {"cpu", "cuda:0", "cuda:3", "emulated-cuda"}) {
            assertEquals(s, Device.parse(s).toString());
            assertEquals(Device.parse(s), Device.parse(Device.parse(s).toString()));
        }
        assertEquals("cpu", CpuBackend.get().device().toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "gpu", "cuda:", "cuda:x", "cuda:1.5", "cuda1", "cpu:0", "emulated", "tpu:0", "cuda:-1"})
    void rejectsOtherStrings(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Device.parse(text));
        assertTrue(e.getMessage().contains("'" + text + "'") || e.getMessage().contains(">= 0"), e.getMessage());
    }

    @Test
    void negativeIndexIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> new Device(Device.Kind.CUDA, -1));
    }
}
