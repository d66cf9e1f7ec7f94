package dev.lorillama.gpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lorillama.runtime.generate.GenerationOptions;
import dev.lorillama.runtime.generate.Generator;
import dev.lorillama.runtime.generate.Sampler;
import dev.lorillama.runtime.model.InferenceState;
import dev.lorillama.runtime.model.LlamaModel;
import dev.lorillama.runtime.model.ModelLoader;
import dev.lorillama.tests.Fixtures;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The GPU backend on the golden checks of the CPU path: every base-model layout against the float64 reference. */
class GpuGoldenTest {

    static void assertMatchesGolden(String label, LlamaModel model, float[] logits, Fixtures.Golden g) {
        double err = Fixtures.maxAbsDiff(logits, g.logits());
        assertTrue(err <= 1e-3, label + ": max abs error " + err);
        int vocab = model.config().vocabSize();
        for (int t = 0; t < g.tokens().length; t++) {
            assertTrue(Sampler.argmax(logits, t * vocab, vocab) == g.argmax()[t], label + " argmax at " + t);
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"mha_f32", "gqa_f32", "llama3rope_tied_f32", "gqa_bf16", "gqa_f16", "sharded_f32", "headdim_f32"})
    void baseModelsMatchTheReferenceInPrefillDecodeAndGreedy(String name) throws Exception {
        Fixtures.Golden g = Fixtures.golden(name);
        try (LlamaModel model = ModelLoader.load(Fixtures.model(g.model()), 1)) {
            Devices.place(model);
            float[] prefill = model.ingest(model.newState(64), g.tokens(), 0, g.tokens().length, model.baseLinears(), true);
            assertMatchesGolden(name + " prefill", model, prefill, g);

            InferenceState state = model.newState(64);
            int vocab = model.config().vocabSize();
            float[] oneByOne = new float[g.tokens().length * vocab];
            for (int t = 0; t < g.tokens().length; t++) {
                System.arraycopy(model.ingest(state, g.tokens(), t, 1, model.baseLinears(), false), 0, oneByOne, t * vocab, vocab);
            }
            assertMatchesGolden(name + " token by token", model, oneByOne, g);

            int[] greedy = Generator.generate(model, model.newState(64), model.baseLinears(), g.greedyPrompt(),
                    GenerationOptions.greedy(g.greedyTokens().length, Set.of()), t -> true).tokens();
            assertArrayEquals(g.greedyTokens(), greedy, name + " greedy");
        }
    }
}
