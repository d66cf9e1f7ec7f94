package dev.lorillama.runtime.format.gguf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lorillama.runtime.model.InferenceState;
import dev.lorillama.runtime.model.LlamaModel;
import dev.lorillama.runtime.model.ModelLoader;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A synthetic Llama with 256-wide rows (what K-quants need) whose matrices are random Q4_K and
 * Q6_K blocks, as in a Q4_K_M file, runs through the GGUF loader and the whole forward pass
 * and gives the logits of the same model written with every matrix decoded to F32.
 */
class KQuantGgufModelTest {
    private static final int VOCAB = KQuantModels.VOCAB;

    @TempDir
    Path dir;

    @Test
    void kQuantModelMatchesItsF32Decoding() throws Exception {
        Path quantized = dir.resolve("k.gguf"), decoded = dir.resolve("f32.gguf");
        KQuantModels.write(quantized, false);
        KQuantModels.write(decoded, true);
        int[] tokens = new Random(1).ints(12, 0, VOCAB).toArray();
        float[] expected = logits(decoded, tokens, false);
        float[] actual = logits(quantized, tokens, false);
        float[] oneByOne = logits(quantized, tokens, true);
        double scale = 0;
        for (float v : expected) scale = Math.max(scale, Math.abs(v));
        assertTrue(scale > 0.1, "logits are degenerate: " + scale);
        assertTrue(maxAbsDiff(expected, actual) <= 1e-4 * scale + 1e-4, "prefill differs by " + maxAbsDiff(expected, actual));
        assertTrue(maxAbsDiff(expected, oneByOne) <= 1e-4 * scale + 1e-4, "decode differs by " + maxAbsDiff(expected, oneByOne));
    }

    private static float[] logits(Path file, int[] tokens, boolean oneByOne) throws Exception {
        try (LlamaModel model = ModelLoader.load(file, 2)) {
            assertEquals(VOCAB, model.config().vocabSize());
            InferenceState state = model.newState(64);
            if (!oneByOne) return model.ingest(state, tokens, 0, tokens.length, model.baseLinears(), true).clone();
            float[] all = new float[tokens.length * VOCAB];
            for (int t = 0; t < tokens.length; t++) {
                System.arraycopy(model.ingest(state, tokens, t, 1, model.baseLinears(), false), 0, all, t * VOCAB, VOCAB);
            }
            return all;
        }
    }

    private static double maxAbsDiff(float[] a, float[] b) {
        double max = 0;
        for (int i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
        return max;
    }
}
