package dev.lorillama.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lorillama.runtime.generate.GenerationOptions;
import dev.lorillama.runtime.generate.GenerationResult;
import dev.lorillama.runtime.generate.Generator;
import dev.lorillama.runtime.generate.Sampler;
import dev.lorillama.runtime.model.InferenceState;
import dev.lorillama.runtime.model.LlamaModel;
import dev.lorillama.runtime.model.ModelLoader;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The forward pass against the float64 PyTorch reference on every base-model layout. */
class BaseModelGoldenTest {

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"mha_f32", "gqa_f32", "llama3rope_tied_f32", "gqa_bf16", "gqa_f16", "sharded_f32", "headdim_f32"})
    void allPositionLogitsMatchReference(String name) throws Exception {
        Fixtures.Golden g = Fixtures.golden(name);
        for (int threads : new int[] {1, 2}) {
            try (LlamaModel model = ModelLoader.load(Fixtures.model(g.model()), threads)) {
                InferenceState state = model.newState(64);
                float[] logits = model.ingest(state, g.tokens(), 0, g.tokens().length, model.baseLinears(), true);
                double err = Fixtures.maxAbsDiff(logits, g.logits());
                assertTrue(err <= 1e-3, name + ": max abs error " + err + " with " + threads + " threads");
                int vocab = model.config().vocabSize();
                int[] argmax = new int[g.tokens().length];
                for (int t = 0; t < argmax.length; t++) argmax[t] = Sampler.argmax(logits, t * vocab, vocab);
                assertArrayEquals(g.argmax(), argmax, name + " argmax");
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"mha_f32", "gqa_f32", "llama3rope_tied_f32", "gqa_bf16", "headdim_f32"})
    void greedyContinuationMatchesReference(String name) throws Exception {
        Fixtures.Golden g = Fixtures.golden(name);
        try (LlamaModel model = ModelLoader.load(Fixtures.model(g.model()), 2)) {
            GenerationResult r = Generator.generate(model, model.newState(64), model.baseLinears(), g.greedyPrompt(),
                    GenerationOptions.greedy(g.greedyTokens().length, Set.of()), token -> true);
            assertArrayEquals(g.greedyTokens(), r.tokens(), name + " greedy tokens");
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"gqa_f32", "llama3rope_tied_f32"})
    void tokenByTokenDecodeEqualsBatchedPrefill(String name) throws Exception {
        Fixtures.Golden g = Fixtures.golden(name);
        try (LlamaModel model = ModelLoader.load(Fixtures.model(g.model()), 2)) {
            InferenceState state = model.newState(64);
            int vocab = model.config().vocabSize();
            float[] flat = new float[g.tokens().length * vocab];
            for (int t = 0; t < g.tokens().length; t++) {
                float[] logits = model.ingest(state, g.tokens(), t, 1, model.baseLinears(), false);
                System.arraycopy(logits, 0, flat, t * vocab, vocab);
            }
            double err = Fixtures.maxAbsDiff(flat, g.logits());
            assertTrue(err <= 1e-3, name + ": one-token-at-a-time max abs error " + err);
        }
    }
}
