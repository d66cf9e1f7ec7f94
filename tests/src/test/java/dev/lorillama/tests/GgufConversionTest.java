package dev.lorillama.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lorillama.chat.Main;
import dev.lorillama.runtime.backend.CpuBackend;
import dev.lorillama.runtime.format.HfCheckpoint;
import dev.lorillama.runtime.model.LlamaWeights;
import dev.lorillama.runtime.tensor.DType;
import dev.lorillama.runtime.model.InferenceState;
import dev.lorillama.runtime.model.LlamaModel;
import dev.lorillama.runtime.model.ModelLoader;
import dev.lorillama.runtime.model.RopeLayout;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code convert} writes each fixture checkpoint as GGUF at every type, and the GGUF path
 * computes what the HF path computes with the same rounded weights (encoded to the type and
 * decoded back, HF layout), to float rounding; at f32 that is the float64 reference itself. The
 * same file run with the wrong RoPE layout must be far off, so a layout slip cannot pass.
 */
class GgufConversionTest {
    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({
            "gqa_f32, F32", "gqa_f32, F16", "gqa_f32, BF16", "gqa_f32, Q8_0", "gqa_f32, Q4_0",
            "llama3rope_tied_f32, F32", "llama3rope_tied_f32, F16", "llama3rope_tied_f32, BF16",
            "llama3rope_tied_f32, Q8_0", "llama3rope_tied_f32, Q4_0", "mha_f32, Q8_0", "headdim_f32, Q4_0"})
    void convertedGgufMatchesReferenceLogits(String name, DType type) throws Exception {
        Fixtures.Golden g = Fixtures.golden(name);
        Path gguf = dir.resolve(name + "." + type + ".gguf");
        assertEquals(0, Main.run(new String[] {"convert", "--model", Fixtures.model(g.model()).toString(),
                "--out", gguf.toString(), "--type", type.name().toLowerCase()}));
        float[][] expected = g.logits();
        if (type != DType.F32) {
            try (HfCheckpoint hf = HfCheckpoint.open(Fixtures.model(g.model()));
                 CpuBackend backend = new CpuBackend(2)) {
                LlamaModel sameWeights = new LlamaModel(hf.config(),
                        LlamaWeights.fromHfTensors(new RoundTrippedCheckpoint(hf, type), hf.config()), backend, null);
                expected = rows(allLogits(sameWeights, g.tokens()), g.tokens().length);
            }
        }
        try (LlamaModel model = ModelLoader.load(gguf, 2)) {
            assertEquals(RopeLayout.INTERLEAVED, model.config().ropeLayout());
            float[] logits = allLogits(model, g.tokens());
            double err = Fixtures.maxAbsDiff(logits, expected);
            assertTrue(err <= 1e-3, name + " " + type + ": max abs error " + err);

            LlamaModel wrongLayout = new LlamaModel(model.config().withRopeLayout(RopeLayout.HALVES), model.weights(),
                    model.backend(), null);
            double wrongErr = Fixtures.maxAbsDiff(allLogits(wrongLayout, g.tokens()), expected);
            assertTrue(wrongErr > 100 * Math.max(err, 1e-4), name + " " + type + ": the wrong RoPE layout is off by only " + wrongErr);
        }
    }

    private static float[][] rows(float[] flat, int n) {
        int vocab = flat.length / n;
        float[][] out = new float[n][];
        for (int t = 0; t < n; t++) out[t] = java.util.Arrays.copyOfRange(flat, t * vocab, (t + 1) * vocab);
        return out;
    }

    private static float[] allLogits(LlamaModel model, int[] tokens) {
        InferenceState state = model.newState(64);
        return model.ingest(state, tokens, 0, tokens.length, model.baseLinears(), true).clone();
    }
}
