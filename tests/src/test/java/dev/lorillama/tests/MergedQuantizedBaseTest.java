package dev.lorillama.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lorillama.lori.AdapterSet;
import dev.lorillama.lori.Combination;
import dev.lorillama.lori.LoraAdapter;
import dev.lorillama.lori.MergePrecision;
import dev.lorillama.runtime.model.LinearProvider;
import dev.lorillama.runtime.model.LlamaModel;
import dev.lorillama.runtime.model.ModelLoader;
import dev.lorillama.runtime.model.Projection;
import dev.lorillama.runtime.tensor.DType;
import dev.lorillama.runtime.tensor.StoredMatrix;
import dev.lorillama.runtime.tensor.WeightMatrix;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Merged LoRI adapters on the llama-quantize files of every type (fixtures/gguf-quants, the
 * adapter of LlamaQuantizeFilesTest): with {@code --merge-precision base} every merged projection
 * keeps its base's type (Q2_K, Q3_K and IQ4_XS become Q4_K, IQ4_NL becomes Q4_0, which have
 * encoders) and so its bytes; with {@code bf16} quantized projections become BF16. Logits are
 * compared with the adapter applied unmerged (exact up to float rounding): re-quantizing
 * W + ΔW adds one more quantization error of the type, so the tolerance is per type, the mean
 * |Δ logit| measured on these files (Q8_0 0.020, Q6_K 0.061, Q5_* 0.12-0.14, Q4_* and IQ4_XS
 * 0.20-0.32, Q3_K/Q2_K 0.22-0.32, IQ4_NL as Q4_0 0.40) with headroom, always well below the
 * adapter's own effect on the logits (mean 1.2).
 */
class MergedQuantizedBaseTest {
    private static final Path DIR = Fixtures.ROOT.resolve("gguf-quants");
    /** Mean |Δ logit| allowed between the re-quantized merge and the unmerged adapter. */
    private static final Map<String, Double> MEAN_TOLERANCE = Map.ofEntries(
            Map.entry("Q8_0", 0.03), Map.entry("Q6_K", 0.09),
            Map.entry("Q5_0", 0.2), Map.entry("Q5_1", 0.2), Map.entry("Q5_K_S", 0.2), Map.entry("Q5_K_M", 0.2),
            Map.entry("Q4_0", 0.45), Map.entry("Q4_1", 0.4), Map.entry("Q4_K_S", 0.3), Map.entry("Q4_K_M", 0.3),
            Map.entry("IQ4_XS", 0.45), Map.entry("IQ4_NL", 0.6),
            Map.entry("Q3_K_S", 0.48), Map.entry("Q3_K_M", 0.38), Map.entry("Q3_K_L", 0.34), Map.entry("Q2_K", 0.46));

    static Stream<String> fileTypes() throws IOException {
        List<String> types = new ArrayList<>();
        new ObjectMapper().readTree(DIR.resolve("index.json").toFile()).get("files").fieldNames().forEachRemaining(types::add);
        return types.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fileTypes")
    void mergedWeightsKeepTheBaseTypeAndComeCloseToTheUnmergedAdapter(String fileType) throws Exception {
        JsonNode index = new ObjectMapper().readTree(DIR.resolve("index.json").toFile());
        int[] tokens = Fixtures.ints(index.get("tokens"));
        try (LlamaModel model = ModelLoader.load(DIR.resolve("tiny-" + fileType + ".gguf"), 2);
             LoraAdapter adapter = LoraAdapter.load(DIR.resolve("adapter"), model.config());
             AdapterSet set = AdapterSet.of(List.of(adapter), List.of(), Combination.CAT, model.config());
             Arena arena = Arena.ofShared()) {
            List<String> notes = new ArrayList<>();
            AdapterSet.MergeProgress progress = new AdapterSet.MergeProgress() {
                @Override
                public void step(int done, int total) {}

                @Override
                public void note(String text) {
                    notes.add(text);
                }
            };
            LinearProvider requantized = set.merged(model, arena, progress, MergePrecision.BASE);
            LinearProvider bf16 = set.merged(model, arena, AdapterSet.MergeProgress.NONE, MergePrecision.BF16);
            long baseBytes = model.weights().bytesPerToken(), bf16Bytes = baseBytes, requantizedBytes = baseBytes;
            boolean substituted = false;
            for (int l = 0; l < model.config().numLayers(); l++) {
                for (Projection p : Projection.values()) {
                    DType base = dtype(model.baseLinears().get(l, p).weight());
                    DType expected = switch (base) {
                        case Q2_K, Q3_K, IQ4_XS -> DType.Q4_K;
                        case IQ4_NL -> DType.Q4_0;
                        default -> base;
                    };
                    substituted |= expected != base;
                    assertEquals(expected, dtype(requantized.get(l, p).weight()), fileType + " layer " + l + " " + p);
                    assertEquals(DType.BF16, dtype(bf16.get(l, p).weight()), fileType + " layer " + l + " " + p + " bf16");
                    WeightMatrix w = model.baseLinears().get(l, p).weight();
                    bf16Bytes += 2L * w.rows() * w.cols() - w.byteSize();
                    requantizedBytes += expected.byteSize((long) w.rows() * w.cols()) - w.byteSize();
                }
            }
            assertEquals(requantizedBytes, model.weights().bytesPerToken(requantized), fileType);
            if (substituted) {
                assertTrue(notes.stream().anyMatch(n -> n.contains("has no encoder here")), fileType + ": " + notes);
            } else {
                assertEquals(baseBytes, requantizedBytes, fileType + ": a merge reads the base's bytes");
                assertEquals(List.of(), notes, fileType);
            }
            assertEquals(bf16Bytes, model.weights().bytesPerToken(bf16), fileType + ": BF16 merged projections read 2 bytes a weight");

            float[] base = prefill(model, tokens, model.baseLinears());
            float[] unmerged = prefill(model, tokens, set.unmerged(model));
            double adapterEffect = meanAbsDiff(unmerged, base);
            double requantizedError = meanAbsDiff(unmerged, prefill(model, tokens, requantized));
            double bf16Error = meanAbsDiff(unmerged, prefill(model, tokens, bf16));
            assertTrue(adapterEffect > 1, fileType + ": the adapter moves the logits by " + adapterEffect);
            assertTrue(requantizedError <= MEAN_TOLERANCE.get(fileType),
                    fileType + ": re-quantized merge differs from the unmerged adapter by " + requantizedError + " on average");
            assertTrue(bf16Error <= 0.012, fileType + ": BF16 merge differs from the unmerged adapter by " + bf16Error);
        }
    }

    @Test
    void benchCountsTheBytesOfTheMergedTypeAndTheOptionIsChecked() throws Exception {
        String model = DIR.resolve("tiny-Q8_0.gguf").toString(), adapter = DIR.resolve("adapter").toString();
        ObjectMapper json = new ObjectMapper();
        long base = json.readTree(bench(model)).get("weight_bytes_per_token").asLong();
        JsonNode requantized = json.readTree(bench(model, "--adapter", adapter, "--merged"));
        JsonNode bf16 = json.readTree(bench(model, "--adapter", adapter, "--merged", "--merge-precision", "bf16"));
        assertEquals(base, requantized.get("weight_bytes_per_token").asLong(), requantized.toString());
        try (LlamaModel m = ModelLoader.load(DIR.resolve("tiny-Q8_0.gguf"), 1)) {
            long expected = base;
            for (int l = 0; l < m.config().numLayers(); l++) {
                for (Projection p : Projection.values()) {
                    WeightMatrix w = m.baseLinears().get(l, p).weight();
                    expected += 2L * w.rows() * w.cols() - w.byteSize(); // every projection is adapted
                }
            }
            assertEquals(expected, bf16.get("weight_bytes_per_token").asLong(), bf16.toString());
        }
        assertTrue(bf16.get("adapters").asText().contains(" merged bf16 "), bf16.toString());

        CliRunner.Result withoutMerge = CliRunner.run("bench", "-m", model, "--adapter", adapter, "--merge-precision", "bf16", "-p", "2", "-n", "1");
        assertEquals(2, withoutMerge.exitCode(), withoutMerge.err());
        assertEquals("error: --merge-precision needs --merged", withoutMerge.err().strip());
        CliRunner.Result unknown = CliRunner.run("bench", "-m", model, "--adapter", adapter, "--merged", "--merge-precision", "fp8", "-p", "2", "-n", "1");
        assertEquals(2, unknown.exitCode(), unknown.err());
        assertEquals("error: merge precision \"fp8\" is not supported (base or bf16)", unknown.err().strip());
    }

    @Test
    void aSubstitutedTypeIsToldOnce() {
        CliRunner.Result r = CliRunner.run("bench", "-m", DIR.resolve("tiny-Q3_K_M.gguf").toString(), "--adapter",
                DIR.resolve("adapter").toString(), "--merged", "-p", "2", "-n", "1", "-r", "1", "--json");
        assertEquals(0, r.exitCode(), r.err());
        assertEquals(1, r.err().lines().filter(l -> l.startsWith("note: merged Q3_K projections are stored as Q4_K")).count(), r.err());
    }

    private static String bench(String model, String... more) {
        List<String> args = new ArrayList<>(List.of("bench", "-m", model, "-p", "2", "-n", "2", "-r", "1", "-t", "1", "--json"));
        args.addAll(List.of(more));
        CliRunner.Result r = CliRunner.run(args.toArray(String[]::new));
        assertEquals(0, r.exitCode(), r.err());
        return r.out();
    }

    private static DType dtype(WeightMatrix w) {
        return ((StoredMatrix) w).dtype();
    }

    private static double meanAbsDiff(float[] a, float[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) sum += Math.abs(a[i] - b[i]);
        return sum / a.length;
    }

    private static float[] prefill(LlamaModel model, int[] tokens, LinearProvider linears) {
        return model.ingest(model.newState(64), tokens, 0, tokens.length, linears, true).clone();
    }
}
