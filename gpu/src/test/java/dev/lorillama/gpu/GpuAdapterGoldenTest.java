package dev.lorillama.gpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lorillama.lori.AdapterSet;
import dev.lorillama.lori.Combination;
import dev.lorillama.lori.LoraAdapter;
import dev.lorillama.runtime.UserInputException;
import dev.lorillama.runtime.generate.GenerationOptions;
import dev.lorillama.runtime.generate.Generator;
import dev.lorillama.runtime.model.LinearProvider;
import dev.lorillama.runtime.model.LlamaModel;
import dev.lorillama.runtime.model.ModelLoader;
import dev.lorillama.tests.Fixtures;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every adapter golden case on the GPU: unmerged, with all of a base model's adapters resident
 * in one device model and the cases run one after another (switching mixes uploads nothing but
 * coefficients, and the base in between still gives the base's logits); and merged, each case
 * uploading its merged weights.
 */
class GpuAdapterGoldenTest {

    static Stream<String> adapterCases() {
        return Fixtures.goldenCases().stream().filter(c -> !Fixtures.golden(c).adapters().isEmpty());
    }

    static LinearProvider mix(LlamaModel model, Map<String, LoraAdapter> loaded, Fixtures.Golden g) {
        List<LoraAdapter> chosen = new ArrayList<>();
        for (String a : g.adapters()) chosen.add(loaded.get(a));
        List<Float> weights = new ArrayList<>();
        for (float w : g.weights()) weights.add(w);
        Combination combination = g.combination() == null ? Combination.CAT : Combination.parse(g.combination());
        return AdapterSet.of(chosen, weights, combination, model.config()).unmerged(model);
    }

    static void check(String label, LlamaModel model, LinearProvider linears, Fixtures.Golden g) {
        float[] logits = model.ingest(model.newState(64), g.tokens(), 0, g.tokens().length, linears, true);
        GpuGoldenTest.assertMatchesGolden(label, model, logits, g);
        int[] greedy = Generator.generate(model, model.newState(64), linears, g.greedyPrompt(),
                GenerationOptions.greedy(g.greedyTokens().length, Set.of()), t -> true).tokens();
        assertArrayEquals(g.greedyTokens(), greedy, label + " greedy");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("baseModelsWithAdapters")
    void everyUnmergedCaseRunsOnOneDeviceModelSwitchingMixes(String baseModel) throws Exception {
        List<Fixtures.Golden> cases = adapterCases().map(Fixtures::golden).filter(g -> g.model().equals(baseModel)).toList();
        Map<String, LoraAdapter> loaded = new LinkedHashMap<>();
        try (LlamaModel model = ModelLoader.load(Fixtures.model(baseModel), 1)) {
            for (Fixtures.Golden g : cases) {
                for (String a : g.adapters()) loaded.computeIfAbsent(a, name -> LoraAdapter.load(Fixtures.adapter(name), model.config()));
            }
            Devices.place(model, model.baseLinears(), List.copyOf(loaded.values()), 2);
            Fixtures.Golden base = Fixtures.golden(baseModel);
            for (Fixtures.Golden g : cases) {
                check(g.name() + " unmerged", model, mix(model, loaded, g), g);
                check(g.name() + " then the base", model, model.baseLinears(), base);
            }
        } finally {
            loaded.values().forEach(LoraAdapter::close);
        }
    }

    static Stream<String> baseModelsWithAdapters() {
        return adapterCases().map(c -> Fixtures.golden(c).model()).distinct();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("adapterCases")
    void mergedWeightsMatchTheReference(String name) throws Exception {
        Fixtures.Golden g = Fixtures.golden(name);
        Map<String, LoraAdapter> loaded = new LinkedHashMap<>();
        try (LlamaModel model = ModelLoader.load(Fixtures.model(g.model()), 1); Arena arena = Arena.ofShared()) {
            for (String a : g.adapters()) loaded.put(a, LoraAdapter.load(Fixtures.adapter(a), model.config()));
            AdapterSet set = ((dev.lorillama.lori.UnmergedLinears) mix(model, loaded, g)).set();
            LinearProvider merged = set.merged(model, arena, AdapterSet.MergeProgress.NONE);
            Devices.place(model, merged, List.of(), 1);
            check(name + " merged", model, merged, g);
            UserInputException e = assertThrows(UserInputException.class,
                    () -> model.ingest(model.newState(8), new int[] {1}, 0, 1, model.baseLinears(), false));
            assertTrue(e.getMessage().contains("merged adapter weights are on the GPU"), e.getMessage());
        } finally {
            loaded.values().forEach(LoraAdapter::close);
        }
    }

    @Test
    void anAdapterThatIsNotResidentIsRefusedByName() throws Exception {
        try (LlamaModel model = ModelLoader.load(Fixtures.model("gqa_f32"), 1);
             LoraAdapter resident = LoraAdapter.load(Fixtures.adapter("lori_d"), model.config());
             LoraAdapter other = LoraAdapter.load(Fixtures.adapter("lori_s"), model.config())) {
            Devices.place(model, model.baseLinears(), List.of(resident), 1);
            LinearProvider both = AdapterSet.of(List.of(resident, other), List.of(), Combination.CAT, model.config()).unmerged(model);
            UserInputException e = assertThrows(UserInputException.class,
                    () -> model.ingest(model.newState(8), new int[] {1}, 0, 1, both, false));
            assertEquals("adapter lori_s is not on the GPU: give it when loading the model (every adapter a mix uses is "
                    + "uploaded once, at load)", e.getMessage());
        }
    }
}
