package dev.lorillama.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lorillama.chat.Main;
import dev.lorillama.lori.AdapterPrecision;
import dev.lorillama.lori.AdapterSet;
import dev.lorillama.lori.Combination;
import dev.lorillama.lori.LoraAdapter;
import dev.lorillama.lori.SharedFactors;
import dev.lorillama.runtime.UserInputException;
import dev.lorillama.runtime.backend.Backend;
import dev.lorillama.runtime.backend.RopeTable;
import dev.lorillama.runtime.generate.Sampler;
import dev.lorillama.runtime.model.Batch;
import dev.lorillama.runtime.model.InferenceState;
import dev.lorillama.runtime.model.LinearProvider;
import dev.lorillama.runtime.model.LlamaModel;
import dev.lorillama.runtime.model.ModelLoader;
import dev.lorillama.runtime.model.Projection;
import dev.lorillama.runtime.tensor.RowRuns;
import dev.lorillama.runtime.tensor.WeightMatrix;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A step of several sequences ({@link LlamaModel#forward} over a {@link Batch}) gives every
 * sequence the logits and greedy tokens it gets alone, with a different adapter mix per
 * sequence, prompts of different lengths and sequences joining while others decode; and each
 * weight matrix, and each shared LoRI A, is multiplied once per projection and step.
 *
 * <p>Each row runs through the same kernels as alone, so the results are the same bits for the
 * same compiled code; but the JIT's compiled vector reductions sum lanes in another order than
 * the interpreter's, so a run made while the kernels were still interpreted differs from a
 * later one in the last bits (checked: with C1 only, where neither intrinsifies, they agree bit
 * for bit). Hence a tolerance of 1e-5, a hundred times below the goldens'.
 */
class BatchedForwardTest {
    /** Largest |alone − batched| allowed: float rounding of a different compilation, nothing more. */
    private static final double SAME = 1e-5;
    /** Prompt tokens per step and sequence: small, so prompts take several steps next to decoding sequences. */
    private static final int CHUNK = 4;
    private static final int NEW_TOKENS = 6;

    /** One request: its prompt, adapters, and the step at which it joins the batch. */
    private record Request(String name, int[] prompt, LinearProvider linears, int joinStep) {}

    /** Every logits vector a sequence produced (one per step it took part in), and its greedy tokens. */
    private record Trace(List<float[]> logits, List<Integer> tokens) {}

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"f32", "bf16", "q8_0", "q4_0"})
    void eachSequenceOfABatchGetsExactlyItsLogitsAlone(String type, @TempDir Path dir) throws Exception {
        try (LlamaModel model = ModelLoader.load(modelOfType(type, dir), 2); Adapters a = new Adapters(model, AdapterPrecision.F32)) {
            checkBatchedAgainstAlone(model, a);
        }
    }

    /** The same with the adapters held in 16 bits: their own kernels (sparse B included), the same guarantee. */
    @ParameterizedTest(name = "{0}")
    @EnumSource(value = AdapterPrecision.class, names = {"BF16", "F16"})
    void halfPrecisionAdaptersGiveEachSequenceItsLogitsAlone(AdapterPrecision precision, @TempDir Path dir) throws Exception {
        try (LlamaModel model = ModelLoader.load(modelOfType("q8_0", dir), 2); Adapters a = new Adapters(model, precision)) {
            checkBatchedAgainstAlone(model, a);
        }
    }

    private static void checkBatchedAgainstAlone(LlamaModel model, Adapters a) {
        List<Request> requests = List.of(
                new Request("base", prompt(11, 9), model.baseLinears(), 0),
                new Request("lori_d", prompt(3, 1), a.mix(Combination.CAT, "lori_d"), 0),
                new Request("lori_s", prompt(7, 14), a.mix(Combination.CAT, "lori_s"), 1),
                new Request("lori_d2", prompt(5, 6), a.mix(Combination.CAT, "lori_d2"), 2),
                new Request("cat d+d2", prompt(9, 2), a.mix(Combination.CAT, "lori_d", "lori_d2"), 2),
                new Request("cat d+s", prompt(2, 5), a.mix(Combination.CAT, "lori_d", "lori_s"), 4),
                new Request("linear d+d2", prompt(13, 3), a.mix(Combination.LINEAR, "lori_d", "lori_d2"), 5),
                new Request("lori_d again", prompt(17, 7), a.mix(Combination.CAT, "lori_d"), 5));
        Map<String, Trace> batched = runBatched(model, requests);
        for (Request r : requests) {
            Trace alone = runAlone(model, r);
            Trace together = batched.get(r.name());
            assertEquals(alone.tokens(), together.tokens(), r.name() + ": greedy tokens");
            assertEquals(alone.logits().size(), together.logits().size(), r.name() + ": steps");
            for (int i = 0; i < alone.logits().size(); i++) {
                assertSame(alone.logits().get(i), together.logits().get(i), r.name() + ": logits of step " + i);
            }
        }
    }

    @Test
    void allPositionLogitsOfSequencesBatchedTogetherMatchTheGoldens() throws Exception {
        List<String> cases = List.of("gqa_f32", "gqa_f32+lori_d", "gqa_f32+lori_s", "gqa_f32+cat_lori_d_lori_d2",
                "gqa_f32+linear_lori_d_lori_d2");
        try (LlamaModel model = ModelLoader.load(Fixtures.model("gqa_f32"), 2); Adapters a = new Adapters(model)) {
            Batch batch = model.newBatch(128);
            List<Fixtures.Golden> goldens = cases.stream().map(Fixtures::golden).toList();
            List<float[]> alone = new ArrayList<>();
            for (Fixtures.Golden g : goldens) {
                LinearProvider linears = a.forGolden(g);
                alone.add(model.ingest(model.newState(64), g.tokens(), 0, g.tokens().length, linears, true).clone());
                batch.add(model.newState(64), g.tokens(), 0, g.tokens().length, linears, true);
            }
            model.forward(batch);
            int vocab = model.config().vocabSize();
            for (int i = 0; i < goldens.size(); i++) {
                Fixtures.Golden g = goldens.get(i);
                int from = batch.logitsOffset(i);
                float[] mine = Arrays.copyOfRange(batch.logits(), from, from + g.tokens().length * vocab);
                assertSame(alone.get(i), mine, g.name());
                double err = Fixtures.maxAbsDiff(mine, g.logits());
                assertTrue(err <= 1e-3, g.name() + ": max abs error " + err);
            }
        }
    }

    @Test
    void eachWeightAndEachSharedFrozenAIsMultipliedOncePerProjectionAndStep() throws Exception {
        try (LlamaModel loaded = ModelLoader.load(Fixtures.model("gqa_f32"), 1); Adapters a = new Adapters(loaded)) {
            CountingBackend counting = new CountingBackend(loaded.backend());
            LlamaModel model = new LlamaModel(loaded.config(), loaded.weights(), counting, null);
            LinearProvider d = a.mix(Combination.CAT, "lori_d"), d2 = a.mix(Combination.CAT, "lori_d2");
            LinearProvider both = a.mix(Combination.CAT, "lori_d", "lori_d2");
            WeightMatrix sharedA = a.adapters.get("lori_d").module(0, Projection.Q).a();
            assertTrue(sharedA == a.adapters.get("lori_d2").module(0, Projection.Q).a(), "one A instance for lori_d and lori_d2");

            Batch batch = model.newBatch(16);
            int[] tokens = prompt(1, 12);
            batch.add(model.newState(32), tokens, 0, 3, d, false);
            batch.add(model.newState(32), tokens, 3, 1, d2, false);
            batch.add(model.newState(32), tokens, 4, 1, both, false);
            batch.add(model.newState(32), tokens, 5, 4, model.baseLinears(), false);
            model.forward(batch);

            assertEquals(1, counting.products.get(loaded.weights().layers().get(0).projection(Projection.Q)),
                    "W_q of layer 0: one product for four sequences");
            assertEquals(1, counting.products.get(sharedA), "A of q_proj, layer 0: one product for three adapter mixes");
            assertEquals(1, counting.products.get(loaded.weights().lmHead()), "LM head: one product");
        }
    }

    @Test
    void aStepRefusesWhatCannotBeRun() throws Exception {
        try (LlamaModel model = ModelLoader.load(Fixtures.model("gqa_f32"), 1)) {
            Batch batch = model.newBatch(4);
            InferenceState s = model.newState(3);
            int[] tokens = {1, 2, 3, 4, 5, 6};
            assertThrows(UserInputException.class, () -> batch.add(s, tokens, 0, 4, model.baseLinears(), false), "context");
            assertThrows(UserInputException.class, () -> batch.add(s, new int[] {999}, 0, 1, model.baseLinears(), false), "vocabulary");
            batch.add(s, tokens, 0, 2, model.baseLinears(), false);
            assertThrows(IllegalArgumentException.class, () -> batch.add(s, tokens, 2, 1, model.baseLinears(), false), "twice");
            assertThrows(IllegalArgumentException.class, () -> batch.add(model.newState(32), tokens, 0, 3, model.baseLinears(), false), "capacity");
        }
    }

    private static void assertSame(float[] alone, float[] batched, String what) {
        assertEquals(alone.length, batched.length, what);
        double max = 0;
        for (int i = 0; i < alone.length; i++) max = Math.max(max, Math.abs(alone[i] - batched[i]));
        assertTrue(max <= SAME, what + ": max |alone - batched| = " + max);
    }

    /** Steps: each active sequence adds its next prompt chunk, or its last greedy token; a sequence joins at its step. */
    private static Map<String, Trace> runBatched(LlamaModel model, List<Request> requests) {
        int vocab = model.config().vocabSize();
        Batch batch = model.newBatch(64);
        Map<String, Trace> traces = new LinkedHashMap<>();
        Map<String, InferenceState> states = new LinkedHashMap<>();
        Map<String, Integer> fed = new LinkedHashMap<>();
        for (int step = 0; traces.size() < requests.size() || traces.values().stream().anyMatch(t -> t.tokens().size() < NEW_TOKENS); step++) {
            batch.clear();
            List<Request> inStep = new ArrayList<>();
            for (Request r : requests) {
                if (r.joinStep() > step) continue;
                Trace t = traces.computeIfAbsent(r.name(), n -> new Trace(new ArrayList<>(), new ArrayList<>()));
                if (t.tokens().size() == NEW_TOKENS) continue;
                InferenceState s = states.computeIfAbsent(r.name(), n -> model.newState(64));
                int done = fed.getOrDefault(r.name(), 0);
                if (done < r.prompt().length) {
                    int n = Math.min(CHUNK, r.prompt().length - done);
                    batch.add(s, r.prompt(), done, n, r.linears(), false);
                    fed.put(r.name(), done + n);
                } else {
                    batch.add(s, new int[] {t.tokens().getLast()}, 0, 1, r.linears(), false);
                }
                inStep.add(r);
            }
            model.forward(batch);
            for (int i = 0; i < inStep.size(); i++) {
                Request r = inStep.get(i);
                if (fed.get(r.name()) < r.prompt().length) continue; // a prompt chunk before the last: no token yet
                float[] logits = Arrays.copyOfRange(batch.logits(), batch.logitsOffset(i), batch.logitsOffset(i) + vocab);
                traces.get(r.name()).logits().add(logits);
                traces.get(r.name()).tokens().add(Sampler.argmax(logits, 0, vocab));
            }
        }
        return traces;
    }

    /** The same request alone: the same prompt chunks through {@link LlamaModel#ingest}, then one token at a time. */
    private static Trace runAlone(LlamaModel model, Request r) {
        int vocab = model.config().vocabSize();
        InferenceState s = model.newState(64);
        Trace t = new Trace(new ArrayList<>(), new ArrayList<>());
        float[] logits = null;
        for (int done = 0; done < r.prompt().length; done += CHUNK) {
            logits = model.ingest(s, r.prompt(), done, Math.min(CHUNK, r.prompt().length - done), r.linears(), false);
        }
        while (t.tokens().size() < NEW_TOKENS) {
            float[] copy = Arrays.copyOf(logits, vocab);
            t.logits().add(copy);
            t.tokens().add(Sampler.argmax(copy, 0, vocab));
            if (t.tokens().size() < NEW_TOKENS) logits = model.ingest(s, new int[] {t.tokens().getLast()}, 0, 1, r.linears(), false);
        }
        return t;
    }

    /** Tokens {@code seed, seed·7, ...} mod the fixture vocabulary, {@code length} of them. */
    private static int[] prompt(int seed, int length) {
        int[] p = new int[length];
        for (int i = 0; i < length; i++) p[i] = (seed + i * 7 * seed + i * i) % 256;
        return p;
    }

    private static Path modelOfType(String type, Path dir) {
        if (type.equals("f32")) return Fixtures.model("gqa_f32");
        if (type.equals("bf16")) return Fixtures.model("gqa_bf16");
        Path gguf = dir.resolve("gqa-" + type + ".gguf");
        assertEquals(0, Main.run(new String[] {"convert", "--model", Fixtures.model("gqa_f32").toString(), "--out", gguf.toString(),
                "--type", type}));
        return gguf;
    }

    /** The fixture adapters lori_d, lori_d2 (same frozen A as lori_d) and lori_s, loaded sharing their A's, and mixes of them. */
    private static final class Adapters implements AutoCloseable {
        final Map<String, LoraAdapter> adapters = new LinkedHashMap<>();
        private final List<AdapterSet> sets = new ArrayList<>();
        private final LlamaModel model;

        Adapters(LlamaModel model) {
            this(model, AdapterPrecision.F32);
        }

        Adapters(LlamaModel model, AdapterPrecision precision) {
            this.model = model;
            SharedFactors shared = new SharedFactors(precision);
            for (String name : List.of("lori_d", "lori_d2", "lori_s")) {
                adapters.put(name, LoraAdapter.load(Fixtures.adapter(name), model.config(), shared));
            }
        }

        LinearProvider mix(Combination combination, String... names) {
            return mix(combination, List.of(), names);
        }

        LinearProvider mix(Combination combination, List<? extends Number> weights, String... names) {
            AdapterSet set = AdapterSet.of(Arrays.stream(names).map(adapters::get).toList(), weights, combination, model.config());
            sets.add(set);
            return set.unmerged(model);
        }

        LinearProvider forGolden(Fixtures.Golden g) {
            if (g.adapters().isEmpty()) return model.baseLinears();
            List<Float> weights = new ArrayList<>();
            for (float w : g.weights()) weights.add(w);
            Combination c = g.combination() == null ? Combination.CAT : Combination.parse(g.combination());
            return mix(c, weights, g.adapters().toArray(String[]::new));
        }

        @Override
        public void close() {
            sets.forEach(AdapterSet::close);
            adapters.values().forEach(LoraAdapter::close);
        }
    }

    /** A backend that counts the products per weight matrix (the batched ones included) and delegates everything. */
    private static final class CountingBackend implements Backend {
        final Map<WeightMatrix, Integer> products = new IdentityHashMap<>();
        private final Backend cpu;

        CountingBackend(Backend cpu) {
            this.cpu = cpu;
        }

        @Override
        public int threads() {
            return cpu.threads();
        }

        @Override
        public void matmul(WeightMatrix w, float[] x, int tokens, float[] y) {
            products.merge(w, 1, Integer::sum);
            cpu.matmul(w, x, tokens, y);
        }

        @Override
        public void matmul(WeightMatrix w, float[] x, RowRuns runs, int fromRun, int toRun, float[] y) {
            products.merge(w, 1, Integer::sum);
            cpu.matmul(w, x, runs, fromRun, toRun, y);
        }

        @Override
        public void rmsNorm(float[] out, float[] x, float[] weight, float eps, int tokens, int dim) {
            cpu.rmsNorm(out, x, weight, eps, tokens, dim);
        }

        @Override
        public void rope(float[] v, int tokens, int heads, int[] positions, RopeTable table) {
            cpu.rope(v, tokens, heads, positions, table);
        }

        @Override
        public void attention(float[] out, float[] q, int tokens, int[] positions, float[][] keys, float[][] values,
                              int heads, int kvHeads, int headDim) {
            cpu.attention(out, q, tokens, positions, keys, values, heads, kvHeads, headDim);
        }

        @Override
        public void swiglu(float[] gate, float[] up, int n) {
            cpu.swiglu(gate, up, n);
        }

        @Override
        public void add(float[] x, float[] delta, int n) {
            cpu.add(x, delta, n);
        }

        @Override
        public void close() {
            // the loaded model closes the CPU backend
        }
    }
}
