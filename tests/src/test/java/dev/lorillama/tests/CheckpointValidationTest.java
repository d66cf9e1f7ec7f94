package dev.lorillama.tests;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lorillama.runtime.UserInputException;
import dev.lorillama.runtime.model.ModelLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A checkpoint that does not fit its config is refused with the tensor and the shapes named. */
class CheckpointValidationTest {
    @TempDir
    Path tmp;

    private Path copyWithConfig(String model, java.util.function.Consumer<ObjectNode> edit) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve(model));
        ObjectMapper json = new ObjectMapper();
        ObjectNode config = (ObjectNode) json.readTree(Fixtures.model(model).resolve("config.json").toFile());
        edit.accept(config);
        json.writeValue(dir.resolve("config.json").toFile(), config);
        Files.copy(Fixtures.model(model).resolve("model.safetensors"), dir.resolve("model.safetensors"));
        return dir;
    }

    private static String refusal(Path dir) {
        return assertThrows(UserInputException.class, () -> ModelLoader.load(dir, 1).close()).getMessage();
    }

    @Test
    void shapeMismatchNamesTensorAndShapes() throws Exception {
        String msg = refusal(copyWithConfig("gqa_f32", c -> c.put("intermediate_size", 128)));
        assertTrue(msg.contains("gate_proj.weight") && msg.contains("[192, 64]") && msg.contains("[128, 64]"), msg);
    }

    @Test
    void missingLmHeadWhenUntiedIsNamed() throws Exception {
        String msg = refusal(copyWithConfig("llama3rope_tied_f32", c -> c.put("tie_word_embeddings", false)));
        assertTrue(msg.contains("lm_head.weight"), msg);
    }

    @Test
    void missingLayerTensorIsNamed() throws Exception {
        String msg = refusal(copyWithConfig("gqa_f32", c -> c.put("num_hidden_layers", 3)));
        assertTrue(msg.contains("model.layers.2."), msg);
    }

    @Test
    void directoryWithoutWeightsIsRefused() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("empty"));
        Files.copy(Fixtures.model("gqa_f32").resolve("config.json"), dir.resolve("config.json"));
        assertTrue(refusal(dir).contains("no model.safetensors"));
    }

    @Test
    void shardIndexNamingMissingFileIsRefused() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("sharded"));
        Files.copy(Fixtures.model("sharded_f32").resolve("config.json"), dir.resolve("config.json"));
        Files.copy(Fixtures.model("sharded_f32").resolve("model.safetensors.index.json"), dir.resolve("model.safetensors.index.json"));
        assertTrue(refusal(dir).contains("missing shard"));
    }
}
