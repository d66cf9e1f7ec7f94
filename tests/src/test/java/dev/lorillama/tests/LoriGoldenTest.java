package dev.lorillama.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lorillama.lori.AdapterSet;
import dev.lorillama.lori.Combination;
import dev.lorillama.lori.LoraAdapter;
import dev.lorillama.lori.LowRankDelta;
import dev.lorillama.runtime.generate.GenerationOptions;
import dev.lorillama.runtime.generate.Generator;
import dev.lorillama.runtime.generate.Sampler;
import dev.lorillama.runtime.model.LinearProvider;
import dev.lorillama.runtime.model.LlamaModel;
import dev.lorillama.runtime.model.ModelLoader;
import dev.lorillama.runtime.model.Projection;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Adapters (alone, cat and linear merges, rsLoRA, patterns, subsets) against the PEFT-semantics reference. */
class LoriGoldenTest {

    static Stream<String> adapterCases() {
        return Fixtures.goldenCases().stream().filter(c -> !Fixtures.golden(c).adapters().isEmpty());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("adapterCases")
    void unmergedAndMergedLogitsMatchReference(String name) throws Exception {
        Fixtures.Golden g = Fixtures.golden(name);
        try (LlamaModel model = ModelLoader.load(Fixtures.model(g.model()), 2); Arena arena = Arena.ofShared()) {
            List<LoraAdapter> adapters = new ArrayList<>();
            for (String a : g.adapters()) adapters.add(LoraAdapter.load(Fixtures.adapter(a), model.config()));
            List<Float> weights = new ArrayList<>();
            for (float w : g.weights()) weights.add(w);
            Combination combination = g.combination() == null ? Combination.CAT : Combination.parse(g.combination());
            try (AdapterSet set = AdapterSet.of(adapters, weights, combination, model.config())) {
                check(name + " unmerged", model, set.unmerged(model), g);
                check(name + " merged", model, set.merged(model, arena, AdapterSet.MergeProgress.NONE), g);
            } finally {
                adapters.forEach(LoraAdapter::close);
            }
        }
    }

    private static void check(String label, LlamaModel model, LinearProvider linears, Fixtures.Golden g) {
        float[] logits = model.ingest(model.newState(64), g.tokens(), 0, g.tokens().length, linears, true);
        double err = Fixtures.maxAbsDiff(logits, g.logits());
        assertTrue(err <= 1e-3, label + ": max abs error " + err);
        int vocab = model.config().vocabSize();
        for (int t = 0; t < g.tokens().length; t++) {
            assertTrue(Sampler.argmax(logits, t * vocab, vocab) == g.argmax()[t], label + " argmax at " + t);
        }
        int[] greedy = Generator.generate(model, model.newState(64), linears, g.greedyPrompt(),
                GenerationOptions.greedy(g.greedyTokens().length, Set.of()), t -> true).tokens();
        assertArrayEquals(g.greedyTokens(), greedy, label + " greedy");
    }

    @Test
    void sparseBIsStoredSparseAndDenseBStaysDense() throws Exception {
        try (LlamaModel model = ModelLoader.load(Fixtures.model("gqa_f32"), 1);
             LoraAdapter sparse = LoraAdapter.load(Fixtures.adapter("lori_s"), model.config());
             LoraAdapter dense = LoraAdapter.load(Fixtures.adapter("lori_d"), model.config());
             AdapterSet set = AdapterSet.of(List.of(sparse, dense), List.of(), Combination.CAT, model.config())) {
            for (int l = 0; l < model.config().numLayers(); l++) {
                for (Projection p : Projection.values()) {
                    List<LowRankDelta> d = set.deltas(l, p);
                    assertTrue(d.get(0).sparse(), "LoRI-S B of " + p.modulePath(l) + " should be sparse");
                    assertFalse(d.get(1).sparse(), "LoRI-D B of " + p.modulePath(l) + " should stay dense");
                }
            }
        }
    }

    @Test
    void adaptersSharingTheirFrozenAShareOneLowRankProduct() throws Exception {
        try (LlamaModel model = ModelLoader.load(Fixtures.model("gqa_f32"), 1);
             LoraAdapter d = LoraAdapter.load(Fixtures.adapter("lori_d"), model.config());
             LoraAdapter d2 = LoraAdapter.load(Fixtures.adapter("lori_d2"), model.config());
             LoraAdapter s = LoraAdapter.load(Fixtures.adapter("lori_s"), model.config());
             AdapterSet shared = AdapterSet.of(List.of(d, d2), List.of(0.7, 0.3), Combination.CAT, model.config());
             AdapterSet distinct = AdapterSet.of(List.of(d, s), List.of(0.6, 0.4), Combination.CAT, model.config())) {
            assertTrue(shared.deltas(0, Projection.Q).size() == 1, "lori_d and lori_d2 share A: one delta");
            assertTrue(distinct.deltas(0, Projection.Q).size() == 2, "lori_d and lori_s have different A: two deltas");
        }
    }

    @Test
    void switchingAdaptersLeavesTheBaseUntouched() throws Exception {
        Fixtures.Golden base = Fixtures.golden("gqa_f32");
        Fixtures.Golden adapted = Fixtures.golden("gqa_f32+lori_d");
        try (LlamaModel model = ModelLoader.load(Fixtures.model("gqa_f32"), 2);
             LoraAdapter lori = LoraAdapter.load(Fixtures.adapter("lori_d"), model.config());
             AdapterSet set = AdapterSet.of(List.of(lori), List.of(), Combination.CAT, model.config());
             Arena arena = Arena.ofShared()) {
            check("adapter", model, set.unmerged(model), adapted);
            check("base after unmerged", model, model.baseLinears(), base);
            check("merged", model, set.merged(model, arena, AdapterSet.MergeProgress.NONE), adapted);
            check("base after merged", model, model.baseLinears(), base);
        }
    }
}
