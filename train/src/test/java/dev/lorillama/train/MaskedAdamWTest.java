package dev.lorillama.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The schedule and the per-tensor clip, by hand (the full steps are checked against torch in the tests module). */
class MaskedAdamWTest {
    @Test
    void warmupIsLambdaLrOfLori() {
        var s = new MaskedAdamW.Settings(1e-3, 0.9, 0.999, 1e-8, 0, 3, 1);
        assertEquals(0.25e-3, s.lrAt(0), 1e-18);
        assertEquals(0.75e-3, s.lrAt(2), 1e-18);
        assertEquals(1e-3, s.lrAt(3), 1e-18);
        assertEquals(1e-3, s.lrAt(100), 1e-18);
        assertEquals(5e-5, MaskedAdamW.Settings.lori().lrAt(0), 1e-20, "no warm-up by default");
    }

    @Test
    void clipScalesOneTensorToTheMaximumNorm() {
        float[] g = {3, 4};
        MaskedAdamW.clip(g, 1.0);
        assertEquals(0.6f, g[0], 1e-6f);
        assertEquals(0.8f, g[1], 1e-6f);
        float[] small = {0.3f, 0.4f};
        MaskedAdamW.clip(small, 1.0);
        assertEquals(0.3f, small[0]);
    }

    @Test
    void firstStepMovesEveryUnmaskedEntryByTheLearningRate() {
        var adam = new MaskedAdamW(new MaskedAdamW.Settings(0.1, 0.9, 0.999, 1e-8, 0, 0, 100), 3, new boolean[] {true, false, true});
        float[] p = {1, 1, 1}, g = {0.5f, 7f, -2f};
        adam.step(p, g);
        assertEquals(0.9f, p[0], 1e-6f);
        assertEquals(1f, p[1], "masked out: never moves");
        assertEquals(1.1f, p[2], 1e-6f);
    }
}
