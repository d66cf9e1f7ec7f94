package dev.lorillama.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lorillama.lori.LoraAdapter;
import dev.lorillama.lori.LoriMask;
import dev.lorillama.runtime.model.LlamaConfig;
import dev.lorillama.runtime.model.LlamaModel;
import dev.lorillama.runtime.model.ModelLoader;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Mask extraction, mask application and merged export, against the reference's files and goldens. */
class LoriToolsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static LlamaConfig gqaConfig() {
        return LlamaConfig.fromHfConfig(Fixtures.model("gqa_f32").resolve("config.json"));
    }

    @Test
    void maskExtractionMatchesLoriGlobalThreshold() throws Exception {
        LoriMask expected = LoriMask.read(Fixtures.mask("lori_d_0.9_mask.safetensors"));
        JsonNode density = JSON.readTree(Fixtures.mask("lori_d_0.9_density.json").toFile());
        try (LoraAdapter adapter = LoraAdapter.load(Fixtures.adapter("lori_d"), gqaConfig())) {
            LoriMask mask = LoriMask.extract(adapter, 0.9);
            assertEquals(expected.masks().keySet(), mask.masks().keySet());
            for (Map.Entry<String, boolean[]> e : expected.masks().entrySet()) {
                assertArrayEquals(e.getValue(), mask.masks().get(e.getKey()), e.getKey());
            }
            assertEquals(density.get("threshold").asDouble(), mask.threshold(), 1e-7);
            assertEquals(density.get("overall").asDouble(), mask.density(), 1e-6);
        }
    }

    @Test
    void tiesWithTheThresholdAreKept() throws Exception {
        try (LoraAdapter adapter = LoraAdapter.load(Fixtures.adapter("lori_s"), gqaConfig())) {
            LoriMask mask = LoriMask.extract(adapter, 0.85); // threshold 0: every entry ties or exceeds it
            assertEquals(0f, mask.threshold());
            assertEquals(1.0, mask.density(), 0.0);
        }
    }

    @Test
    void maskCommandsReproduceTheMaskedAdapterGolden(@TempDir Path tmp) throws Exception {
        String model = Fixtures.model("gqa_f32").toString();
        Path maskFile = tmp.resolve("mask.safetensors");
        CliRunner.Result mask = CliRunner.run("adapter", "mask", Fixtures.adapter("lori_d").toString(), "--model", model,
                "--sparsity", "0.9", "--out", maskFile.toString());
        assertEquals(0, mask.exitCode(), mask.err());
        assertTrue(mask.out().contains("overall density 0.0999"), mask.out());
        Path masked = tmp.resolve("masked");
        CliRunner.Result apply = CliRunner.run("adapter", "apply-mask", Fixtures.adapter("lori_d").toString(), "--model", model,
                "--mask", maskFile.toString(), "--out", masked.toString());
        assertEquals(0, apply.exitCode(), apply.err());
        assertLogitsMatch(Fixtures.golden("gqa_f32+lori_d_masked"), "--model", model, "--adapter", masked.toString());
    }

    @Test
    void exportedCheckpointReproducesMergedLogits(@TempDir Path tmp) throws Exception {
        Fixtures.Golden g = Fixtures.golden("gqa_f32+cat_lori_d_lori_s");
        Path out = tmp.resolve("merged");
        CliRunner.Result export = CliRunner.run("adapter", "export", "--model", Fixtures.model("gqa_f32").toString(),
                "--adapter", Fixtures.adapter("lori_d").toString(), "--adapter", Fixtures.adapter("lori_s").toString(),
                "--weights", "0.6,0.4", "--combination", "cat", "--out", out.toString());
        assertEquals(0, export.exitCode(), export.err());
        assertLogitsMatch(g, "--model", out.toString());
        try (LlamaModel model = ModelLoader.load(out, 1)) {
            float[] logits = model.ingest(model.newState(64), g.tokens(), 0, g.tokens().length, model.baseLinears(), true);
            assertTrue(Fixtures.maxAbsDiff(logits, g.logits()) <= 1e-3);
        }
    }

    @Test
    void logitsCommandAppliesWeightedLinearCombination() throws Exception {
        assertLogitsMatch(Fixtures.golden("gqa_f32+linear_lori_d_lori_d2"), "--model", Fixtures.model("gqa_f32").toString(),
                "--adapter", Fixtures.adapter("lori_d").toString(), "--adapter", Fixtures.adapter("lori_d2").toString(),
                "--weights", "0.5,0.5", "--combination", "linear");
        assertLogitsMatch(Fixtures.golden("gqa_f32+linear_lori_d_lori_d2"), "--model", Fixtures.model("gqa_f32").toString(),
                "--adapter", Fixtures.adapter("lori_d").toString(), "--adapter", Fixtures.adapter("lori_d2").toString(),
                "--weights", "0.5,0.5", "--combination", "linear", "--merged");
    }

    @Test
    void adapterInfoReportsRankScaleAndDensity() {
        CliRunner.Result info = CliRunner.run("adapter", "info", Fixtures.adapter("lori_s").toString(),
                "--model", Fixtures.model("gqa_f32").toString());
        assertEquals(0, info.exitCode(), info.err());
        assertTrue(info.out().contains("rank     8"), info.out());
        assertTrue(info.out().contains("alpha    16"), info.out());
        assertTrue(info.out().contains("scale    2"), info.out());
        assertTrue(info.out().contains("density  overall    0.1001 (974 of 9728"), info.out());
    }

    /**
     * Runs {@code logits} with the golden's tokens and checks argmax and last-position logits.
     * Adapters are held in F32, the precision of the goldens' math (AdapterPrecisionTest checks
     * the others against F32).
     */
    static void assertLogitsMatch(Fixtures.Golden g, String... modelArgs) throws Exception {
        StringBuilder tokens = new StringBuilder();
        for (int t : g.tokens()) tokens.append(tokens.isEmpty() ? "" : ",").append(t);
        String[] args = new String[modelArgs.length + 5];
        args[0] = "logits";
        System.arraycopy(modelArgs, 0, args, 1, modelArgs.length);
        args[args.length - 4] = "--adapter-precision";
        args[args.length - 3] = "f32";
        args[args.length - 2] = "--tokens";
        args[args.length - 1] = tokens.toString();
        CliRunner.Result r = CliRunner.run(args);
        assertEquals(0, r.exitCode(), r.err());
        JsonNode out = JSON.readTree(r.out());
        assertArrayEquals(g.argmax(), Fixtures.ints(out.get("argmax")));
        float[] last = Fixtures.floats(out.get("logits"));
        float[] expected = g.logits()[g.logits().length - 1];
        for (int i = 0; i < expected.length; i++) assertEquals(expected[i], last[i], 1e-3, "logit " + i);
    }
}
