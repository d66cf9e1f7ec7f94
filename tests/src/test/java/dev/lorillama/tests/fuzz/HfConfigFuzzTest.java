package dev.lorillama.tests.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.lorillama.runtime.model.LlamaConfig;

/** Hugging Face config.json: sizes, heads, rope scaling, token ids. */
class HfConfigFuzzTest {
    @FuzzTest(maxDuration = "2s")
    void configJsonIsReadOrRefusedCleanly(byte[] data) throws Exception {
        HostileInput.readOrRefused(() -> LlamaConfig.fromHfConfig(HostileInput.file("config.json", data)));
    }
}
