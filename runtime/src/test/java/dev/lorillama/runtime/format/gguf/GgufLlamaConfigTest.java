package dev.lorillama.runtime.format.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lorillama.runtime.UserInputException;
import dev.lorillama.runtime.model.LlamaConfig;
import dev.lorillama.runtime.model.RopeFrequencyFactors;
import dev.lorillama.runtime.model.RopeLayout;
import dev.lorillama.runtime.tensor.DType;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The llama.* keys become a config; missing or wrong keys are errors naming the file and key. */
class GgufLlamaConfigTest {
    @TempDir
    Path dir;

    /** A small llama GGUF; {@code replaced} keys are left out so that {@code extra} can write them differently. */
    private Path write(Consumer<GgufWriter> extra, boolean withOutput, String... replaced) throws Exception {
        java.util.Set<String> skip = java.util.Set.of(replaced);
        java.util.Map<String, Consumer<GgufWriter>> base = new java.util.LinkedHashMap<>();
        base.put("general.architecture", w -> w.putString("general.architecture", "llama"));
        base.put("llama.block_count", w -> w.putUInt32("llama.block_count", 2));
        base.put("llama.context_length", w -> w.putUInt32("llama.context_length", 128));
        base.put("llama.embedding_length", w -> w.putUInt32("llama.embedding_length", 64));
        base.put("llama.feed_forward_length", w -> w.putUInt32("llama.feed_forward_length", 96));
        base.put("llama.attention.head_count", w -> w.putUInt32("llama.attention.head_count", 4));
        base.put("llama.attention.head_count_kv", w -> w.putUInt32("llama.attention.head_count_kv", 2));
        base.put("llama.attention.layer_norm_rms_epsilon", w -> w.putFloat32("llama.attention.layer_norm_rms_epsilon", 1e-5f));
        base.put("tokenizer.ggml.tokens", w -> w.putStrings("tokenizer.ggml.tokens", List.of("a", "b", "c")));
        base.put("tokenizer.ggml.eos_token_id", w -> w.putUInt32("tokenizer.ggml.eos_token_id", 2));
        GgufWriter w = new GgufWriter();
        base.forEach((key, put) -> {
            if (!skip.contains(key)) put.accept(w);
        });
        extra.accept(w);
        w.addMatrix("token_embd.weight", DType.F32, 3, 64, (r, dst) -> {});
        if (withOutput) w.addMatrix("output.weight", DType.F32, 3, 64, (r, dst) -> {});
        Path file = dir.resolve("m" + System.nanoTime() + ".gguf");
        w.write(file);
        return file;
    }

    private LlamaConfig read(Path file) {
        try (GgufFile gguf = GgufFile.open(file)) {
            return GgufLlamaConfig.read(gguf);
        }
    }

    @Test
    void readsLlamaKeysWithDefaultsAndInterleavedLayout() throws Exception {
        LlamaConfig c = read(write(w -> w.addVector("rope_freqs.weight", new float[] {1, 1, 2, 2, 4, 4, 8, 8}), false));
        assertEquals(64, c.hiddenSize());
        assertEquals(96, c.intermediateSize());
        assertEquals(2, c.numLayers());
        assertEquals(4, c.numHeads());
        assertEquals(2, c.numKvHeads());
        assertEquals(16, c.headDim(), "key_length defaults to embedding_length / head_count");
        assertEquals(3, c.vocabSize(), "vocab size from the token list");
        assertEquals(128, c.maxPositions());
        assertEquals(10000.0, c.ropeTheta(), "freq_base defaults to 10000");
        assertTrue(c.tieWordEmbeddings(), "no output.weight: tied");
        assertEquals(List.of(2), c.eosTokenIds());
        assertEquals(RopeLayout.INTERLEAVED, c.ropeLayout());
        assertArrayEquals(new float[] {1, 1, 2, 2, 4, 4, 8, 8}, ((RopeFrequencyFactors) c.ropeScaling()).factors());
        assertEquals(1.0 / 4, c.ropeScaling().apply(4, 1.0));
        LlamaConfig untied = read(write(w -> w.putUInt32("llama.vocab_size", 3), true));
        assertTrue(!untied.tieWordEmbeddings() && untied.ropeScaling() == null);
    }

    @Test
    void wrongOrMissingKeysAreNamed() throws Exception {
        UserInputException e = assertThrows(UserInputException.class,
                () -> read(write(w -> w.putString("general.architecture", "mistral"), false, "general.architecture")));
        assertTrue(e.getMessage().contains("general.architecture") && e.getMessage().contains("mistral"), e.getMessage());
        e = assertThrows(UserInputException.class, () -> read(write(w -> w.putUInt32("llama.rope.dimension_count", 8), false)));
        assertTrue(e.getMessage().contains("llama.rope.dimension_count 8"), e.getMessage());
        e = assertThrows(UserInputException.class, () -> read(write(w -> w.putString("llama.attention.head_count", "four"), false, "llama.attention.head_count")));
        assertTrue(e.getMessage().contains("llama.attention.head_count") && e.getMessage().contains("\"four\""), e.getMessage());
        e = assertThrows(UserInputException.class, () -> read(write(w -> w.putFloat32("llama.attention.head_count_kv", 3f), false, "llama.attention.head_count_kv")));
        assertTrue(e.getMessage().contains("head_count_kv"), e.getMessage());
        e = assertThrows(UserInputException.class, () -> read(write(w -> {}, false, "llama.embedding_length")));
        assertTrue(e.getMessage().contains("llama.embedding_length") && e.getMessage().contains("found nothing"), e.getMessage());
    }
}
