package dev.lorillama.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lorillama.chat.Main;
import dev.lorillama.runtime.UserInputException;
import dev.lorillama.runtime.format.gguf.HfToGguf;
import dev.lorillama.runtime.tensor.DType;
import dev.lorillama.runtime.format.gguf.GgufFile;
import dev.lorillama.runtime.format.gguf.GgufTokenizerData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code convert} carries the tokenizer of tokenizer.json / tokenizer_config.json into the
 * tokenizer.ggml.* keys: vocabulary by id, merges in both JSON forms, special added tokens as
 * CONTROL, ids the checkpoint does not name as UNUSED padding, BOS/EOS by their text.
 */
class GgufTokenizerConversionTest {
    @TempDir
    Path dir;

    @Test
    void tokenizerJsonBecomesGgufTokenizerKeys() throws Exception {
        Path checkpoint = dir.resolve("ckpt");
        Files.createDirectories(checkpoint);
        Path fixture = Fixtures.model("gqa_f32");
        Files.copy(fixture.resolve("config.json"), checkpoint.resolve("config.json"));
        Files.copy(fixture.resolve("model.safetensors"), checkpoint.resolve("model.safetensors"));
        StringBuilder vocab = new StringBuilder();
        for (int i = 0; i < 250; i++) vocab.append(i == 0 ? "" : ",").append("\"t").append(i).append("\":").append(i);
        Files.writeString(checkpoint.resolve("tokenizer.json"), """
                {"model": {"type": "BPE", "vocab": {%s},
                           "merges": ["t1 t2", ["t3", "t4"]]},
                 "added_tokens": [
                   {"id": 250, "content": "<|begin_of_text|>", "special": true},
                   {"id": 251, "content": "<|end_of_text|>", "special": true},
                   {"id": 252, "content": "plain", "special": false}]}
                """.formatted(vocab));
        Files.writeString(checkpoint.resolve("tokenizer_config.json"), """
                {"bos_token": "<|begin_of_text|>", "eos_token": {"content": "<|end_of_text|>"}}
                """);
        Path gguf = dir.resolve("tok.gguf");
        assertEquals(0, Main.run(new String[] {"convert", "-m", checkpoint.toString(), "-o", gguf.toString(), "--type", "f32"}));

        try (GgufFile file = GgufFile.open(gguf)) {
            assertEquals("gpt2", file.metadata().requireString("tokenizer.ggml.model"));
            assertEquals("llama-bpe", file.metadata().requireString("tokenizer.ggml.pre"));
            GgufTokenizerData tok = GgufTokenizerData.of(file).orElseThrow();
            assertEquals(256, tok.tokens().size(), "one token per id of the model's vocab_size");
            assertEquals("t7", tok.tokens().get(7));
            assertEquals("<|begin_of_text|>", tok.tokens().get(250));
            assertEquals("[PAD253]", tok.tokens().get(253));
            assertEquals(List.of("t1 t2", "t3 t4"), tok.merges());
            assertEquals(GgufTokenizerData.NORMAL, tok.tokenTypes()[7]);
            assertEquals(GgufTokenizerData.CONTROL, tok.tokenTypes()[250]);
            assertEquals(GgufTokenizerData.NORMAL, tok.tokenTypes()[252]);
            assertEquals(GgufTokenizerData.UNUSED, tok.tokenTypes()[253]);
            assertEquals(250, tok.bosId());
            assertEquals(251, tok.eosId());
        }
    }

    @Test
    void tokenIdOutsideTheVocabularyIsAClearError() throws Exception {
        Path checkpoint = dir.resolve("bad");
        Files.createDirectories(checkpoint);
        Path fixture = Fixtures.model("gqa_f32");
        Files.copy(fixture.resolve("config.json"), checkpoint.resolve("config.json"));
        Files.copy(fixture.resolve("model.safetensors"), checkpoint.resolve("model.safetensors"));
        Files.writeString(checkpoint.resolve("tokenizer.json"), "{\"model\": {\"vocab\": {\"x\": 999}, \"merges\": []}}");
        UserInputException e = assertThrows(UserInputException.class,
                () -> HfToGguf.convert(checkpoint, dir.resolve("bad.gguf"), DType.F32));
        assertTrue(e.getMessage().contains("tokenizer.json") && e.getMessage().contains("999"), e.getMessage());
    }
}
