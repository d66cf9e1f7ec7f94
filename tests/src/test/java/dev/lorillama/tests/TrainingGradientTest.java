package dev.lorillama.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lorillama.lori.LoraAdapter;
import dev.lorillama.runtime.model.LlamaModel;
import dev.lorillama.runtime.model.ModelLoader;
import dev.lorillama.train.Backprop;
import dev.lorillama.train.SftExample;
import dev.lorillama.train.TrainableAdapter;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The backward pass against float64 torch autograd (tools/reference/train_ref.py): the batch's
 * mean SFT loss and the gradient of every B (and A where it trains) for each layout the runtime
 * loads, each within 1e-4 of the reference relative to the tensor's largest entry.
 */
class TrainingGradientTest {
    static final double TOLERANCE = 1e-4;

    @TempDir
    Path tmp;

    static Stream<String> gradientCases() {
        return TrainingGoldens.names("grad_").stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("gradientCases")
    void gradientsMatchTorchAutograd(String name) {
        TrainingGoldens.Case c = TrainingGoldens.load(name);
        check(c, Fixtures.model(c.model()));
    }

    /** The same gradients through a GGUF base (q/k rows interleaved): B's gradient comes back in HF layout. */
    @Test
    void gradientsThroughGgufBaseMatchTorchAutograd() {
        Path gguf = tmp.resolve("gqa.f32.gguf");
        CliRunner.Result convert = CliRunner.run("convert", "--model", Fixtures.model("gqa_f32").toString(), "--out", gguf.toString(), "--type", "f32");
        assertEquals(0, convert.exitCode(), convert.err());
        check(TrainingGoldens.load("grad_gqa_f32_lora"), gguf);
    }

    static double check(TrainingGoldens.Case c, Path modelPath) {
        try (LlamaModel model = ModelLoader.load(modelPath, 2); LoraAdapter init = LoraAdapter.load(c.adapter(), model.config())) {
            TrainableAdapter adapter = TrainableAdapter.from(init, model.config(), c.trainA());
            if (c.fromScratch()) for (TrainableAdapter.Module m : adapter.modules()) java.util.Arrays.fill(m.b(), 0f);
            List<SftExample> batch = c.batch();
            Backprop backprop = new Backprop(model, adapter, 16);
            double loss = 0;
            for (SftExample e : batch) loss += backprop.accumulate(e, 1.0 / batch.size()) / batch.size();
            double expectedLoss = c.json().get("loss").asDouble();
            assertEquals(expectedLoss, loss, TOLERANCE * Math.abs(expectedLoss), c + ": loss");
            double worst = 0;
            for (TrainableAdapter.Module m : adapter.modules()) {
                float[] gradB = TrainableAdapter.hfLayout(adapter, m, m.update().gradB());
                worst = Math.max(worst, compare(c, m.key("B"), gradB));
                if (c.trainA()) worst = Math.max(worst, compare(c, m.key("A"), m.update().gradA()));
            }
            System.out.printf("%s: loss %.9g (reference %.9g), worst relative gradient error %.2e%n", c, loss, expectedLoss, worst);
            return worst;
        } catch (Exception e) {
            throw new RuntimeException(e);
        }
    }

    private static double compare(TrainingGoldens.Case c, String key, float[] actual) {
        float[] expected = c.tensors().get(key);
        double error = TrainingGoldens.relativeError(actual, expected);
        assertTrue(error <= TOLERANCE, c + ": gradient of " + key + " off by " + error + " relative");
        return error;
    }
}
