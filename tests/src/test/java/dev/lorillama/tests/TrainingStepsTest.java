package dev.lorillama.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lorillama.lori.LoraAdapter;
import dev.lorillama.lori.LoriMask;
import dev.lorillama.runtime.model.LlamaModel;
import dev.lorillama.runtime.model.ModelLoader;
import dev.lorillama.train.Backprop;
import dev.lorillama.train.MaskedAdamW;
import dev.lorillama.train.SftExample;
import dev.lorillama.train.TrainableAdapter;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Optimizer steps against torch.optim.AdamW driven as LoRI's MaskedAdamW (tools/reference/train_ref.py):
 * one step of LoRI-D, ten of plain LoRA with warm-up and a clip that bites, ten of LoRI-S under a
 * mask, ten of continual training under a mask. The factors after the last step agree within
 * 1e-4 relative (norm of each tensor's change); a frozen A stays bit-identical; masked-out B entries never move.
 */
class TrainingStepsTest {
    static Stream<String> stepCases() {
        return TrainingGoldens.names("step").stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("stepCases")
    void stepsMatchTorchAdamW(String name) throws Exception {
        TrainingGoldens.Case c = TrainingGoldens.load(name);
        var json = c.json();
        try (LlamaModel model = ModelLoader.load(Fixtures.model(c.model()), 2); LoraAdapter init = LoraAdapter.load(c.adapter(), model.config())) {
            TrainableAdapter adapter = TrainableAdapter.from(init, model.config(), c.trainA());
            if (c.fromScratch()) for (TrainableAdapter.Module m : adapter.modules()) java.util.Arrays.fill(m.b(), 0f);
            if (!json.get("mask").isNull()) adapter.restrictTo(LoriMask.read(Fixtures.ROOT.resolve(json.get("mask").asText())), "mask");
            List<float[]> startA = new ArrayList<>(), startB = new ArrayList<>();
            for (TrainableAdapter.Module m : adapter.modules()) {
                startA.add(m.a().clone());
                startB.add(adapter.hfB(m));
            }
            var settings = new MaskedAdamW.Settings(json.get("lr").asDouble(), 0.9, 0.999, 1e-8, 0, json.get("warmup_steps").asInt(),
                    json.get("max_grad_norm").asDouble());
            List<MaskedAdamW> optB = new ArrayList<>(), optA = new ArrayList<>();
            for (TrainableAdapter.Module m : adapter.modules()) {
                optB.add(new MaskedAdamW(settings, m.b().length, adapter.mask(m)));
                optA.add(new MaskedAdamW(settings, m.a().length, null));
            }
            Backprop backprop = new Backprop(model, adapter, 16);
            int step = 0;
            for (List<SftExample> batch : c.batches()) {
                adapter.zeroGradients();
                double loss = 0;
                for (SftExample e : batch) loss += backprop.accumulate(e, 1.0 / batch.size()) / batch.size();
                double expected = json.get("losses").get(step++).asDouble();
                assertEquals(expected, loss, 1e-4 * Math.abs(expected), c + ": loss of step " + step);
                List<TrainableAdapter.Module> modules = adapter.modules();
                for (int i = 0; i < modules.size(); i++) {
                    optB.get(i).step(modules.get(i).b(), modules.get(i).update().gradB());
                    if (adapter.trainsA()) optA.get(i).step(modules.get(i).a(), modules.get(i).update().gradA());
                }
            }
            double worst = 0;
            List<TrainableAdapter.Module> modules = adapter.modules();
            for (int i = 0; i < modules.size(); i++) {
                TrainableAdapter.Module m = modules.get(i);
                float[] b = adapter.hfB(m);
                worst = Math.max(worst, compareChange(c, m.key("B"), startB.get(i), b));
                if (c.trainA()) worst = Math.max(worst, compareChange(c, m.key("A"), startA.get(i), m.a()));
                else assertArrayEquals(startA.get(i), m.a(), c + ": a frozen A changed: " + m.key("A"));
                boolean[] keep = adapter.mask(m);
                if (keep != null) { // an HF base: model layout = file layout
                    for (int j = 0; j < keep.length; j++) {
                        if (!keep[j]) {
                            assertEquals(Float.floatToIntBits(startB.get(i)[j]), Float.floatToIntBits(m.b()[j]),
                                    c + ": masked-out entry " + j + " of " + m.key("B") + " moved");
                        }
                    }
                }
            }
            System.out.printf("%s: worst relative norm error of the change %.2e%n", c, worst);
        }
    }

    /**
     * Compares what the steps changed, as ‖Δours − Δref‖₂ ≤ 1e-4 · ‖Δref‖₂ per tensor. (Adam
     * divides each gradient entry by its own running magnitude, so an entry whose gradient is at
     * float32 rounding level moves by ±lr either way: torch itself in float32 differs from its
     * float64 run by up to 7.5e-5 of the largest change on steps10_lora, entry by entry. The norm
     * is the agreement that float32 arithmetic can promise; we measure ~1e-5.)
     */
    private static double compareChange(TrainingGoldens.Case c, String key, float[] start, float[] actual) {
        float[] expected = c.tensors().get(key);
        double diff = 0, norm = 0;
        for (int i = 0; i < start.length; i++) {
            double dActual = (double) actual[i] - start[i], dExpected = (double) expected[i] - start[i];
            diff += (dActual - dExpected) * (dActual - dExpected);
            norm += dExpected * dExpected;
        }
        double error = Math.sqrt(diff / norm);
        assertTrue(error <= 1e-4, c + ": " + key + " after the steps off by " + error + " (relative norm of the change)");
        return error;
    }
}
