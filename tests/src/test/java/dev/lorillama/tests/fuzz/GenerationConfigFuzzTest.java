package dev.lorillama.tests.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.lorillama.runtime.model.GenerationConfig;

/** generation_config.json: the end-of-sequence ids generation stops at. */
class GenerationConfigFuzzTest {
    @FuzzTest(maxDuration = "2s")
    void generationConfigIsReadOrRefusedCleanly(byte[] data) throws Exception {
        HostileInput.readOrRefused(() -> GenerationConfig.eosTokenIds(HostileInput.file("generation_config.json", data)));
    }
}
