package dev.lorillama.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lorillama.runtime.UserInputException;
import dev.lorillama.runtime.generate.GenerationOptions;
import dev.lorillama.runtime.generate.GenerationResult;
import dev.lorillama.runtime.generate.Generator;
import dev.lorillama.runtime.generate.SamplingOptions;
import dev.lorillama.runtime.generate.StopReason;
import dev.lorillama.runtime.model.LlamaModel;
import dev.lorillama.runtime.model.ModelLoader;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The generation loop: streaming, stop tokens, limits, seeds, cancellation, context overflow. */
class GenerationTest {
    private static LlamaModel model;
    private static final Fixtures.Golden GOLDEN = Fixtures.golden("gqa_f32");

    @BeforeAll
    static void load() {
        model = ModelLoader.load(Fixtures.model("gqa_f32"), 2);
    }

    @AfterAll
    static void close() throws Exception {
        model.close();
    }

    private static GenerationResult run(GenerationOptions o, List<Integer> streamed, int context) {
        return Generator.generate(model, model.newState(context), model.baseLinears(), GOLDEN.greedyPrompt(), o, t -> {
            streamed.add(t);
            return true;
        });
    }

    @Test
    void tokensAreStreamedInOrderAsGenerated() {
        List<Integer> streamed = new ArrayList<>();
        GenerationResult r = run(GenerationOptions.greedy(6, Set.of()), streamed, 64);
        assertEquals(StopReason.MAX_TOKENS, r.stopReason());
        assertArrayEquals(java.util.Arrays.copyOf(GOLDEN.greedyTokens(), 6), r.tokens());
        assertEquals(List.of(6), List.of(streamed.size()));
        for (int i = 0; i < 6; i++) assertEquals(r.tokens()[i], streamed.get(i));
    }

    @Test
    void stopTokenEndsGenerationAndIsNotPartOfTheResult() {
        int stop = GOLDEN.greedyTokens()[3];
        List<Integer> streamed = new ArrayList<>();
        GenerationResult r = run(GenerationOptions.greedy(10, Set.of(stop)), streamed, 64);
        assertEquals(StopReason.STOP_TOKEN, r.stopReason());
        assertArrayEquals(java.util.Arrays.copyOf(GOLDEN.greedyTokens(), 3), r.tokens());
        assertEquals(stop, streamed.get(streamed.size() - 1));
    }

    @Test
    void listenerCanCancel() {
        GenerationResult r = Generator.generate(model, model.newState(64), model.baseLinears(), GOLDEN.greedyPrompt(),
                GenerationOptions.greedy(10, Set.of()), t -> false);
        assertEquals(StopReason.CANCELLED, r.stopReason());
        assertEquals(1, r.tokens().length);
    }

    @Test
    void fullContextStopsGenerationCleanly() {
        GenerationResult r = run(GenerationOptions.greedy(50, Set.of()), new ArrayList<>(), 8);
        assertEquals(StopReason.CONTEXT_FULL, r.stopReason());
        assertEquals(8 - GOLDEN.greedyPrompt().length + 1, r.tokens().length);
    }

    @Test
    void promptLongerThanContextIsAnError() {
        UserInputException e = assertThrows(UserInputException.class,
                () -> run(GenerationOptions.greedy(5, Set.of()), new ArrayList<>(), 3));
        assertTrue(e.getMessage().contains("context length of 3"), e.getMessage());
    }

    @Test
    void sameSeedSameSampledTokens() {
        GenerationOptions o = new GenerationOptions(new SamplingOptions(1.0f, 40, 0.95f, 0.02f, 1.1f, 1234), 12, Set.of());
        int[] a = run(o, new ArrayList<>(), 64).tokens(), b = run(o, new ArrayList<>(), 64).tokens();
        assertArrayEquals(a, b);
        GenerationOptions other = new GenerationOptions(o.sampling().withSeed(99), 12, Set.of());
        assertTrue(!java.util.Arrays.equals(a, run(other, new ArrayList<>(), 64).tokens()), "another seed should differ");
    }

    @Test
    void sessionContinuesFromItsCache() {
        // Generating the first 5 greedy tokens, then feeding them back as a second prompt, continues the same sequence.
        var state = model.newState(64);
        GenerationResult first = Generator.generate(model, state, model.baseLinears(), GOLDEN.greedyPrompt(),
                GenerationOptions.greedy(5, Set.of()), t -> true);
        int[] last = {first.tokens()[4]};
        GenerationResult second = Generator.generate(model, state, model.baseLinears(), last,
                GenerationOptions.greedy(5, Set.of()), t -> true);
        assertArrayEquals(java.util.Arrays.copyOfRange(GOLDEN.greedyTokens(), 5, 10), second.tokens());
    }
}
