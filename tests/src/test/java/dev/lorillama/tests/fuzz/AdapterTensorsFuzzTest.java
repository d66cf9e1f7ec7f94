package dev.lorillama.tests.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.lorillama.lori.LoraAdapter;
import dev.lorillama.runtime.model.LlamaConfig;
import dev.lorillama.tests.Fixtures;
import java.nio.file.Path;

/** adapter_model.safetensors beside a valid adapter_config.json: lora_A/lora_B names, shapes against the base model. */
class AdapterTensorsFuzzTest {
    private static final LlamaConfig BASE = LlamaConfig.fromHfConfig(Fixtures.model("gqa_f32").resolve("config.json"));

    @FuzzTest(maxDuration = "2s")
    void adapterTensorsAreReadOrRefusedCleanly(byte[] data) throws Exception {
        Path config = HostileInput.copy(Fixtures.adapter("subset").resolve("adapter_config.json"), "adapter/adapter_config.json");
        HostileInput.file("adapter/adapter_model.safetensors", data);
        HostileInput.readOrRefused(() -> {
            try (LoraAdapter adapter = LoraAdapter.load(config.getParent(), BASE)) {
                adapter.modules().size();
            }
        });
    }
}
