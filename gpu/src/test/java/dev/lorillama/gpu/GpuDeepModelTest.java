package dev.lorillama.gpu;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lorillama.runtime.model.InferenceState;
import dev.lorillama.runtime.model.LlamaModel;
import dev.lorillama.runtime.model.ModelLoader;
import dev.lorillama.tests.SlowModel;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A model as deep as Llama 3 8B (32 layers: 387 tasks, where one TornadoVM task graph holds
 * 256; the pass as one graph failed from 22 layers on with an ArrayIndexOutOfBoundsException in
 * TornadoVM's TornadoExecutionContext), in thin layers so that PoCL runs it quickly. The per-layer graphs hand
 * the activations along on the device; the GPU's logits equal the CPU's.
 */
class GpuDeepModelTest {
    static final int LAYERS = 32;
    static final int[] TOKENS = {1, 17, 200, 42, 5, 99, 300};

    @TempDir
    static Path dir;
    static Path model;

    @BeforeAll
    static void writeModel() throws Exception {
        model = SlowModel.write(dir.resolve("deep"), LAYERS, 64, 4);
    }

    @Test
    void logitsCommandOnTheGpuEqualsTheCpu() throws Exception {
        StringBuilder tokens = new StringBuilder();
        for (int t : TOKENS) tokens.append(tokens.isEmpty() ? "" : ",").append(t);
        GpuLogitsCommandTest.assertSameLogits("deep", command("cpu", tokens.toString()), command("gpu", tokens.toString()));
    }

    @Test
    void decodingTokenByTokenEqualsTheCpu() throws Exception {
        try (LlamaModel cpu = ModelLoader.load(model, 1); LlamaModel gpu = ModelLoader.load(model, 1)) {
            Devices.place(gpu);
            InferenceState onCpu = cpu.newState(64), onGpu = gpu.newState(64);
            for (int t = 0; t < TOKENS.length; t++) {
                float[] expected = cpu.ingest(onCpu, TOKENS, t, 1, cpu.baseLinears(), false);
                float[] actual = gpu.ingest(onGpu, TOKENS, t, 1, gpu.baseLinears(), false);
                double err = 0;
                for (int i = 0; i < expected.length; i++) err = Math.max(err, Math.abs(actual[i] - expected[i]));
                assertTrue(err <= 1e-3, "position " + t + ": GPU differs from CPU by " + err);
            }
        }
    }

    private static String[] command(String device, String tokens) {
        return new String[] {"logits", "--model", model.toString(), "--device", device, "--tokens", tokens};
    }
}
