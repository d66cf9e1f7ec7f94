package dev.lorillama.gpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lorillama.api.AdapterMix;
import dev.lorillama.api.GenerationSettings;
import dev.lorillama.api.LoadOptions;
import dev.lorillama.api.Llama;
import dev.lorillama.api.Session;
import dev.lorillama.runtime.backend.Device;
import dev.lorillama.runtime.model.InferenceState;
import dev.lorillama.runtime.model.LlamaModel;
import dev.lorillama.runtime.model.ModelLoader;
import dev.lorillama.tests.Fixtures;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * More sequences than the device keeps KV caches for: they take turns, and one whose cache was
 * lent out recomputes it, so every sequence still gets exactly its own logits. And the API on
 * the GPU: sessions switching adapters give what they give on the CPU.
 */
class GpuSequencesTest {

    @Test
    void sequencesSharingOneCacheStillGetTheirOwnLogits() throws Exception {
        Fixtures.Golden g = Fixtures.golden("gqa_f32");
        int[] tokens = g.tokens();
        int[] other = new int[tokens.length];
        for (int i = 0; i < tokens.length; i++) other[i] = tokens[tokens.length - 1 - i];
        float[] otherOnCpu;
        try (LlamaModel cpu = ModelLoader.load(Fixtures.model("gqa_f32"), 1)) {
            otherOnCpu = cpu.ingest(cpu.newState(64), other, 0, other.length, cpu.baseLinears(), true).clone();
        }
        try (LlamaModel model = ModelLoader.load(Fixtures.model("gqa_f32"), 1)) {
            Devices.place(model, model.baseLinears(), List.of(), 1);
            int vocab = model.config().vocabSize(), half = tokens.length / 2;
            InferenceState a = model.newState(64), b = model.newState(64);
            float[] aLogits = new float[tokens.length * vocab], bLogits = new float[other.length * vocab];
            System.arraycopy(model.ingest(a, tokens, 0, half, model.baseLinears(), true), 0, aLogits, 0, half * vocab);
            System.arraycopy(model.ingest(b, other, 0, half, model.baseLinears(), true), 0, bLogits, 0, half * vocab);
            for (int t = half; t < tokens.length; t++) { // alternate: each step takes the one cache from the other
                System.arraycopy(model.ingest(a, tokens, t, 1, model.baseLinears(), false), 0, aLogits, t * vocab, vocab);
                System.arraycopy(model.ingest(b, other, t, 1, model.baseLinears(), false), 0, bLogits, t * vocab, vocab);
            }
            GpuGoldenTest.assertMatchesGolden("sequence a", model, aLogits, g);
            KernelsTest.assertClose(otherOnCpu, bLogits, 1e-3, "sequence b");

            a.rewind(2); // recomputed from its history up to the rewind point, then continued
            float[] again = model.ingest(a, tokens, 2, tokens.length - 2, model.baseLinears(), true);
            float[] expected = new float[(tokens.length - 2) * vocab];
            System.arraycopy(aLogits, 2 * vocab, expected, 0, expected.length);
            KernelsTest.assertClose(expected, again, 1e-5, "after rewind");
        }
    }

    @Test
    void apiSessionsOnTheGpuSwitchAdaptersAndMatchTheCpu() throws Exception {
        Path chat = Fixtures.ROOT.resolve("chat");
        int[][] cpu = replies(chat, Device.CPU), gpu = replies(chat, Device.GPU);
        for (int i = 0; i < cpu.length; i++) assertArrayEquals(cpu[i], gpu[i], "reply " + i);
    }

    /** Three sessions over two device caches: base, nlu, then code and nlu+code on the same session. */
    private static int[][] replies(Path chat, Device device) throws Exception {
        LoadOptions options = LoadOptions.defaults().threads(1).contextLength(64).device(device).deviceSequences(2)
                .adapter("nlu", chat.resolve("adapters/nlu")).adapter("code", chat.resolve("adapters/code"));
        GenerationSettings greedy = GenerationSettings.greedy(6);
        try (Llama llama = Llama.load(chat.resolve("model"), options);
             Session base = llama.newSession(); Session nlu = llama.newSession(); Session code = llama.newSession()) {
            assertEquals(device == Device.CPU, llama.device().equals("cpu"), llama.device());
            nlu.useAdapters(AdapterMix.of("nlu"));
            code.useAdapters(AdapterMix.of("code"));
            int[] r1 = base.complete("hello", true, greedy, p -> {}).tokens();
            int[] r2 = nlu.complete("hello", true, greedy, p -> {}).tokens();
            int[] r3 = code.complete("hello", true, greedy, p -> {}).tokens();
            code.useAdapters(AdapterMix.of("nlu", "code"));
            int[] r4 = code.complete("hello there", true, greedy, p -> {}).tokens();
            int[] r5 = base.complete("hello again", true, greedy, p -> {}).tokens();
            return new int[][] {r1, r2, r3, r4, r5};
        }
    }
}
