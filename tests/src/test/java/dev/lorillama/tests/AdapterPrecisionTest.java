package dev.lorillama.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lorillama.lori.AdapterPrecision;
import dev.lorillama.lori.AdapterSet;
import dev.lorillama.lori.Combination;
import dev.lorillama.lori.LoraAdapter;
import dev.lorillama.lori.LowRankDelta;
import dev.lorillama.lori.SharedFactors;
import dev.lorillama.runtime.model.LlamaModel;
import dev.lorillama.runtime.model.ModelLoader;
import dev.lorillama.runtime.model.Projection;
import dev.lorillama.runtime.tensor.DType;
import dev.lorillama.runtime.tensor.NarrowMatrix;
import dev.lorillama.runtime.tensor.SparseRowsMatrix;
import dev.lorillama.runtime.tensor.StoredMatrix;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Adapters held in BF16 or F16 (--adapter-precision) against the same adapters in F32, the
 * precision of the PEFT files and the goldens: every position's logits of the fixtures' adapter
 * cases (LoRI-D dense B, LoRI-S sparse B, cat and linear mixes) within a stated tolerance, the
 * greedy argmax unchanged, and the factors really held in that precision.
 */
class AdapterPrecisionTest {
    /**
     * Largest |Δlogit| allowed against F32. The fixture's logits span about ±5; BF16 keeps 8
     * significant bits (relative rounding 2^-9), F16 11: measured maxima (printed by the test) are
     * well below these.
     */
    private static double tolerance(AdapterPrecision p) {
        return switch (p) {
            case F32 -> 1e-5; // the same factors: only the JIT's order of sums (see BatchedForwardTest)
            case BF16 -> 6e-2;
            case F16 -> 1e-2;
        };
    }

    private static final List<String> CASES = List.of("gqa_f32+lori_d", "gqa_f32+lori_s", "gqa_f32+cat_lori_d_lori_d2",
            "gqa_f32+linear_lori_d_lori_d2");

    @ParameterizedTest(name = "{0}")
    @EnumSource(AdapterPrecision.class)
    void logitsStayWithinToleranceOfF32(AdapterPrecision precision) throws Exception {
        try (LlamaModel model = ModelLoader.load(Fixtures.model("gqa_f32"), 2)) {
            for (String name : CASES) {
                Fixtures.Golden g = Fixtures.golden(name);
                float[] reference = logits(model, g, AdapterPrecision.F32);
                float[] held = logits(model, g, precision);
                double max = 0;
                for (int i = 0; i < reference.length; i++) max = Math.max(max, Math.abs(reference[i] - held[i]));
                System.out.printf(Locale.ROOT, "%s %s: max |Δlogit| against f32 %.2e%n", name, precision.label(), max);
                assertTrue(max <= tolerance(precision), name + " " + precision + ": max |Δlogit| " + max);
                int vocab = model.config().vocabSize();
                for (int t = 0; t < g.tokens().length; t++) {
                    assertEquals(argmax(reference, t * vocab, vocab), argmax(held, t * vocab, vocab), name + " argmax at " + t);
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = AdapterPrecision.class, names = {"BF16", "F16"})
    void factorsAreHeldInThePrecisionAndSharedAStaysShared(AdapterPrecision precision) throws Exception {
        try (LlamaModel model = ModelLoader.load(Fixtures.model("gqa_f32"), 1)) {
            SharedFactors shared = new SharedFactors(precision);
            try (LoraAdapter s = LoraAdapter.load(Fixtures.adapter("lori_s"), model.config(), shared);
                 LoraAdapter d = LoraAdapter.load(Fixtures.adapter("lori_d"), model.config(), shared);
                 LoraAdapter d2 = LoraAdapter.load(Fixtures.adapter("lori_d2"), model.config(), shared);
                 AdapterSet set = AdapterSet.of(List.of(s, d), List.of(), Combination.CAT, model.config())) {
                assertSame(d.module(0, Projection.Q).a(), d2.module(0, Projection.Q).a(), "one A for adapters of one seed");
                LowRankDelta sparse = set.deltas(0, Projection.Q).get(0), dense = set.deltas(0, Projection.Q).get(1);
                assertEquals(precision.dtype(), ((StoredMatrix) sparse.a()).dtype());
                assertEquals(precision.dtype(), ((SparseRowsMatrix) sparse.b()).dtype());
                assertEquals(precision.dtype(), ((NarrowMatrix) dense.b()).dtype());
                assertEquals(precision, set.precision());
                assertTrue(set.bytesPerToken() < f32BytesPerToken(model) * 0.6, "half the bytes of F32, about");
            }
        }
    }

    @Test
    void badValuesAreRefusedNamingTheChoices() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AdapterPrecision.parse("fp8"));
        assertEquals("adapter precision \"fp8\" is not supported (f32, bf16 or f16)", e.getMessage());
        assertEquals(AdapterPrecision.BF16, AdapterPrecision.parse("BF16"));
        assertFalse(DType.BF16 == AdapterPrecision.F16.dtype());
    }

    @Test
    void theCommandLineOptionReachesTheAdaptersAndABadValueIsOneLine() throws Exception {
        String model = Fixtures.model("gqa_f32").toString(), adapter = Fixtures.adapter("lori_s").toString();
        CliRunner.Result bad = CliRunner.run("logits", "--model", model, "--adapter", adapter, "--tokens", "1,2", "--adapter-precision", "fp8");
        assertEquals(2, bad.exitCode(), bad.err());
        assertEquals("error: adapter precision \"fp8\" is not supported (f32, bf16 or f16)", bad.err().strip());
        CliRunner.Result bench = CliRunner.run("bench", "--model", model, "--adapter", adapter, "-p", "2", "-n", "2", "-r", "1",
                "--json", "--adapter-precision", "bf16");
        assertEquals(0, bench.exitCode(), bench.err());
        assertTrue(bench.out().contains("unmerged bf16"), bench.out());
    }

    @Test
    void adaptersOfDifferentPrecisionsAreNotCombined() throws Exception {
        try (LlamaModel model = ModelLoader.load(Fixtures.model("gqa_f32"), 1);
             LoraAdapter d = LoraAdapter.load(Fixtures.adapter("lori_d"), model.config());
             LoraAdapter s = LoraAdapter.load(Fixtures.adapter("lori_s"), model.config(), new SharedFactors(AdapterPrecision.BF16))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> AdapterSet.of(List.of(d, s), List.of(), Combination.CAT, model.config()));
            assertTrue(e.getMessage().contains("different precisions (f32, bf16)"), e.getMessage());
        }
    }

    private static long f32BytesPerToken(LlamaModel model) {
        try (LoraAdapter s = LoraAdapter.load(Fixtures.adapter("lori_s"), model.config());
             LoraAdapter d = LoraAdapter.load(Fixtures.adapter("lori_d"), model.config());
             AdapterSet set = AdapterSet.of(List.of(s, d), List.of(), Combination.CAT, model.config())) {
            return set.bytesPerToken();
        }
    }

    /** All positions' logits of the golden's prompt with its adapters loaded in {@code precision}. */
    static float[] logits(LlamaModel model, Fixtures.Golden g, AdapterPrecision precision) {
        SharedFactors shared = new SharedFactors(precision);
        List<LoraAdapter> adapters = new ArrayList<>();
        try {
            for (String a : g.adapters()) adapters.add(LoraAdapter.load(Fixtures.adapter(a), model.config(), shared));
            List<Float> weights = new ArrayList<>();
            for (float w : g.weights()) weights.add(w);
            Combination c = g.combination() == null ? Combination.CAT : Combination.parse(g.combination());
            try (AdapterSet set = AdapterSet.of(adapters, weights, c, model.config())) {
                return model.ingest(model.newState(64), g.tokens(), 0, g.tokens().length, set.unmerged(model), true).clone();
            }
        } finally {
            adapters.forEach(LoraAdapter::close);
        }
    }

    private static int argmax(float[] v, int from, int n) {
        int best = from;
        for (int i = from + 1; i < from + n; i++) if (v[i] > v[best]) best = i;
        return best - from;
    }
}
