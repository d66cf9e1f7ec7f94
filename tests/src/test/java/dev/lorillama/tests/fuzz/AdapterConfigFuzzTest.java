package dev.lorillama.tests.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.lorillama.lori.LoraConfig;

/** PEFT adapter_config.json: rank, alpha, patterns, target modules, layers. */
class AdapterConfigFuzzTest {
    @FuzzTest(maxDuration = "2s")
    void adapterConfigIsReadOrRefusedCleanly(byte[] data) throws Exception {
        HostileInput.readOrRefused(() -> LoraConfig.read(HostileInput.file("adapter_config.json", data)));
    }
}
