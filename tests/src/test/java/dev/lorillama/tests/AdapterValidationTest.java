package dev.lorillama.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lorillama.lori.LoraAdapter;
import dev.lorillama.runtime.UserInputException;
import dev.lorillama.runtime.model.LlamaConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Adapters we cannot apply exactly are refused with a reason that names the problem. */
class AdapterValidationTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    private static LlamaConfig config(String model) {
        return LlamaConfig.fromHfConfig(Fixtures.model(model).resolve("config.json"));
    }

    private Path withConfig(Consumer<ObjectNode> edit) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("adapter"));
        ObjectNode cfg = (ObjectNode) JSON.readTree(Fixtures.adapter("lori_d").resolve("adapter_config.json").toFile());
        edit.accept(cfg);
        JSON.writeValue(dir.resolve("adapter_config.json").toFile(), cfg);
        Files.copy(Fixtures.adapter("lori_d").resolve("adapter_model.safetensors"), dir.resolve("adapter_model.safetensors"));
        return dir;
    }

    private void assertRefused(Path dir, LlamaConfig base, String... fragments) {
        UserInputException e = assertThrows(UserInputException.class, () -> LoraAdapter.load(dir, base).close());
        for (String f : fragments) assertTrue(e.getMessage().contains(f), "message \"" + e.getMessage() + "\" should mention " + f);
    }

    @Test
    void doraIsRefused() throws Exception {
        assertRefused(withConfig(c -> c.put("use_dora", true)), config("gqa_f32"), "use_dora");
    }

    @Test
    void biasOtherThanNoneIsRefused() throws Exception {
        assertRefused(withConfig(c -> c.put("bias", "all")), config("gqa_f32"), "bias", "all");
    }

    @Test
    void fanInFanOutIsRefused() throws Exception {
        assertRefused(withConfig(c -> c.put("fan_in_fan_out", true)), config("gqa_f32"), "fan_in_fan_out");
    }

    @Test
    void unknownTargetModuleIsRefused() throws Exception {
        assertRefused(withConfig(c -> c.putArray("target_modules").add("q_proj").add("lm_head")), config("gqa_f32"), "lm_head");
    }

    @Test
    void shapesThatDoNotFitTheBaseNameTheTensor() throws Exception {
        // lori_d was trained for gqa_f32 (kv dim 16); mha_f32 has kv dim 64.
        assertRefused(Fixtures.adapter("lori_d"), config("mha_f32"), "k_proj.lora_B.weight", "expected [64, 8]");
    }

    @Test
    void rankInConfigMustMatchTheTensors() throws Exception {
        assertRefused(withConfig(c -> c.put("r", 4)), config("gqa_f32"), "lora_A.weight", "has shape [8, ", "expected [4, ");
    }

    @Test
    void extraPadRowsAreAcceptedWithANote() throws Exception {
        try (LoraAdapter a = LoraAdapter.load(Fixtures.adapter("with_pad_embeddings"), config("gqa_f32"))) {
            assertEquals(2, a.notes().size());
            assertTrue(a.notes().get(0).contains("using the base model's rows"));
        }
    }

    @Test
    void cliReportsBadAdapterWithoutStackTrace() throws Exception {
        Path dir = withConfig(c -> c.put("use_dora", true));
        CliRunner.Result r = CliRunner.run("logits", "--model", Fixtures.model("gqa_f32").toString(), "--adapter", dir.toString(),
                "--tokens", "1,2");
        assertEquals(2, r.exitCode());
        assertTrue(r.err().startsWith("error: ") && r.err().contains("use_dora"), r.err());
        assertTrue(!r.err().contains("\tat "), "no stack trace: " + r.err());
    }
}
