package dev.lorillama.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lorillama.lori.AdapterSet;
import dev.lorillama.lori.Combination;
import dev.lorillama.lori.LoraAdapter;
import dev.lorillama.runtime.format.gguf.KQuantModels;
import dev.lorillama.runtime.generate.Sampler;
import dev.lorillama.runtime.model.LinearProvider;
import dev.lorillama.runtime.model.LlamaModel;
import dev.lorillama.runtime.model.ModelLoader;
import dev.lorillama.tests.CliRunner;
import dev.lorillama.tests.Fixtures;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * GGUF files of every type the converter writes, and a Q4_K/Q6_K model as in Q4_K_M files, give
 * on the GPU the logits the CPU gives on the same file (weights read in their stored format,
 * interleaved RoPE); HF-layout adapters on a GGUF base match the HF golden.
 */
class GpuGgufTest {
    @TempDir
    Path tmp;

    private Path convert(String type) {
        Path gguf = tmp.resolve("gqa." + type + ".gguf");
        CliRunner.Result r = CliRunner.run("convert", "--model", Fixtures.model("gqa_f32").toString(), "--out", gguf.toString(),
                "--type", type);
        assertEquals(0, r.exitCode(), r.err());
        return gguf;
    }

    static float[] logits(Path model, int[] tokens, boolean gpu) throws Exception {
        try (LlamaModel m = ModelLoader.load(model, 1)) {
            if (gpu) Devices.place(m);
            return m.ingest(m.newState(64), tokens, 0, tokens.length, m.baseLinears(), true).clone();
        }
    }

    static void assertSameLogits(String label, float[] cpu, float[] gpu, int vocab) {
        double err = 0, scale = 0;
        for (int i = 0; i < cpu.length; i++) {
            err = Math.max(err, Math.abs(cpu[i] - gpu[i]));
            scale = Math.max(scale, Math.abs(cpu[i]));
        }
        assertTrue(scale > 0.1, label + ": degenerate logits");
        assertTrue(err <= 1e-3, label + ": GPU differs from the CPU by " + err);
        for (int t = 0; t < cpu.length / vocab; t++) {
            assertEquals(Sampler.argmax(cpu, t * vocab, vocab), Sampler.argmax(gpu, t * vocab, vocab), label + " argmax at " + t);
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"f32", "f16", "bf16", "q8_0", "q4_0"})
    void convertedGgufRunsOnTheGpuAsOnTheCpu(String type) throws Exception {
        Path gguf = convert(type);
        int[] tokens = Fixtures.golden("gqa_f32").tokens();
        assertSameLogits(type, logits(gguf, tokens, false), logits(gguf, tokens, true), 256);
    }

    @Test
    void kQuantModelRunsOnTheGpuAsOnTheCpu() throws Exception {
        Path gguf = tmp.resolve("k.gguf");
        KQuantModels.write(gguf, false);
        int[] tokens = new Random(1).ints(12, 0, KQuantModels.VOCAB).toArray();
        assertSameLogits("Q4_K/Q6_K", logits(gguf, tokens, false), logits(gguf, tokens, true), KQuantModels.VOCAB);
    }

    @Test
    void hfAdaptersOnAGgufBaseMatchTheHfGoldenUnmergedAndMerged() throws Exception {
        Path gguf = convert("f32");
        Fixtures.Golden g = Fixtures.golden("gqa_f32+cat_lori_d_lori_s");
        for (boolean merged : new boolean[] {false, true}) {
            try (LlamaModel model = ModelLoader.load(gguf, 1); Arena arena = Arena.ofShared();
                 LoraAdapter d = LoraAdapter.load(Fixtures.adapter("lori_d"), model.config());
                 LoraAdapter s = LoraAdapter.load(Fixtures.adapter("lori_s"), model.config())) {
                AdapterSet set = AdapterSet.of(List.of(d, s), List.of(0.6, 0.4), Combination.CAT, model.config());
                LinearProvider linears = merged ? set.merged(model, arena, AdapterSet.MergeProgress.NONE) : set.unmerged(model);
                Devices.place(model, merged ? linears : model.baseLinears(), merged ? List.of() : List.of(d, s), 1);
                float[] logits = model.ingest(model.newState(64), g.tokens(), 0, g.tokens().length, linears, true);
                GpuGoldenTest.assertMatchesGolden("GGUF base " + (merged ? "merged" : "unmerged"), model, logits, g);
            }
        }
    }
}
