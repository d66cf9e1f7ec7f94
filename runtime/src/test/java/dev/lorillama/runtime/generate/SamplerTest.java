package dev.lorillama.runtime.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** Sampling: greedy, seeds, truncation (top-k, top-p, min-p) and the repetition penalty. */
class SamplerTest {
    private static float[] logits(int vocab, long seed) {
        Random r = new Random(seed);
        float[] l = new float[vocab];
        for (int i = 0; i < vocab; i++) l[i] = (float) r.nextGaussian() * 3;
        return l;
    }

    private static int[] draws(SamplingOptions o, float[] base, int n) {
        Sampler s = new Sampler(o);
        int[] out = new int[n];
        for (int i = 0; i < n; i++) out[i] = s.next(base.clone(), base.length, new int[0], 0);
        return out;
    }

    @Test
    void greedyPicksArgmaxAndFirstOnTies() {
        float[] l = {1, 5, 5, 2};
        assertEquals(1, new Sampler(SamplingOptions.GREEDY).next(l, 4, new int[0], 0));
    }

    @Test
    void sameSeedSameTokensOtherSeedOtherTokens() {
        float[] l = logits(1000, 1);
        SamplingOptions o = new SamplingOptions(1f, 0, 1f, 0f, 1f, 7);
        int[] a = draws(o, l, 50), b = draws(o, l, 50), c = draws(o.withSeed(8), l, 50);
        assertEquals(java.util.Arrays.toString(a), java.util.Arrays.toString(b));
        assertNotEquals(java.util.Arrays.toString(a), java.util.Arrays.toString(c));
    }

    @Test
    void topKOneIsGreedy() {
        float[] l = logits(500, 2);
        int argmax = Sampler.argmax(l, 0, l.length);
        for (int t : draws(new SamplingOptions(2f, 1, 1f, 0f, 1f, 3), l, 30)) assertEquals(argmax, t);
    }

    @Test
    void topKKeepsOnlyTheKMostLikely() {
        float[] l = logits(200, 3);
        float[] sorted = l.clone();
        java.util.Arrays.sort(sorted);
        float kth = sorted[sorted.length - 5];
        for (int t : draws(new SamplingOptions(5f, 5, 1f, 0f, 1f, 4), l, 200)) assertTrue(l[t] >= kth);
    }

    @Test
    void tinyTopPIsGreedy() {
        float[] l = logits(300, 4);
        int argmax = Sampler.argmax(l, 0, l.length);
        for (int t : draws(new SamplingOptions(1f, 0, 1e-6f, 0f, 1f, 5), l, 30)) assertEquals(argmax, t);
    }

    @Test
    void minPDropsUnlikelyTokens() {
        float[] l = {10, 9.5f, 0, 0, 0, 0};
        // p(0) ≈ 0.62, p(1) ≈ 0.38, the rest ≈ 3e-5: min-p 0.1 keeps only tokens 0 and 1.
        for (int t : draws(new SamplingOptions(1f, 0, 1f, 0.1f, 1f, 6), l, 300)) assertTrue(t <= 1);
    }

    @Test
    void samplingFollowsTheSoftmax() {
        float[] l = {0, (float) Math.log(3)}; // probabilities 1/4 and 3/4
        int ones = 0;
        for (int t : draws(new SamplingOptions(1f, 0, 1f, 0f, 1f, 9), l, 4000)) ones += t;
        assertEquals(0.75, ones / 4000.0, 0.03);
    }

    @Test
    void repetitionPenaltyDividesPositiveAndMultipliesNegativeLogits() {
        float[] l = {2f, 1.5f, -1f};
        Sampler s = new Sampler(new SamplingOptions(0f, 0, 1f, 0f, 2f, 0));
        assertEquals(1, s.next(l, 3, new int[] {0, 0, 2}, 3)); // 2/2 = 1 < 1.5
        assertEquals(1f, l[0]);
        assertEquals(-2f, l[2]);
    }

    @Test
    void invalidOptionsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new SamplingOptions(-1f, 0, 1f, 0f, 1f, 0));
        assertThrows(IllegalArgumentException.class, () -> new SamplingOptions(1f, 0, 0f, 0f, 1f, 0));
        assertThrows(IllegalArgumentException.class, () -> new SamplingOptions(1f, -2, 1f, 0f, 1f, 0));
    }
}
