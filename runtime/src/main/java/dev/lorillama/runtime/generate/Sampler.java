package dev.lorillama.runtime.generate;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Picks the next token from logits. Keeps its own random stream (seeded) and scratch arrays, so
 * one sampler serves one sequence without allocating per token.
 */
public final class Sampler {
    private final SamplingOptions options;
    private final SplittableRandom random;
    private float[] probs = new float[0];
    private int[] order = new int[0];
    private long[] keys = new long[0];
    private boolean[] seen = new boolean[0];

    public Sampler(SamplingOptions options) {
        this.options = options;
        this.random = new SplittableRandom(options.seed());
    }

    /**
     * The next token for {@code logits[0..vocab)}. {@code history} are the tokens so far (prompt and
     * generated) for the repetition penalty; the logits array is modified.
     *
     * @throws NonFiniteLogitsException when a logit is NaN or the largest is infinite
     */
    public int next(float[] logits, int vocab, int[] history, int historyLength) {
        applyRepetitionPenalty(logits, vocab, history, historyLength);
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < vocab; i++) max = Math.max(max, logits[i]); // Math.max keeps a NaN: one pass finds both
        if (!Float.isFinite(max)) throw new NonFiniteLogitsException(max);
        if (options.greedy()) return argmax(logits, 0, vocab);
        ensureCapacity(vocab);
        // softmax(logits / T)
        double sum = 0;
        for (int i = 0; i < vocab; i++) {
            probs[i] = (float) Math.exp((logits[i] - max) / options.temperature());
            sum += probs[i];
        }
        for (int i = 0; i < vocab; i++) probs[i] /= (float) sum;

        int kept = vocab;
        boolean truncates = options.topK() > 0 || options.topP() < 1f || options.minP() > 0f;
        if (truncates) {
            kept = sortByProbability(vocab);
            if (options.topK() > 0) kept = Math.min(kept, options.topK());
            if (options.topP() < 1f) {
                double cumulative = 0;
                for (int i = 0; i < kept; i++) {
                    cumulative += probs[order[i]];
                    if (cumulative >= options.topP()) {
                        kept = i + 1;
                        break;
                    }
                }
            }
            if (options.minP() > 0f) {
                float threshold = options.minP() * probs[order[0]];
                int i = 1;
                while (i < kept && probs[order[i]] >= threshold) i++;
                kept = i;
            }
        }
        return draw(vocab, kept, truncates);
    }

    private int draw(int vocab, int kept, boolean sorted) {
        double total = 0;
        for (int i = 0; i < kept; i++) total += probs[sorted ? order[i] : i];
        double r = random.nextDouble() * total;
        double cumulative = 0;
        for (int i = 0; i < kept; i++) {
            int token = sorted ? order[i] : i;
            cumulative += probs[token];
            if (r < cumulative) return token;
        }
        return sorted ? order[kept - 1] : kept - 1;
    }

    /** Probabilities below this never change a draw measurably; skipping them keeps the sort short. */
    private static final float NEGLIGIBLE = 1e-9f;

    /**
     * Writes the ids of tokens worth keeping into {@code order}, most likely first, and returns how
     * many. Sorts primitive keys (probability bits, then id), so nothing is boxed.
     */
    private int sortByProbability(int vocab) {
        int n = 0;
        for (int i = 0; i < vocab; i++) {
            if (probs[i] >= NEGLIGIBLE) keys[n++] = ((long) Float.floatToRawIntBits(probs[i]) << 32) | (0xffffffffL - i);
        }
        if (n == 0) { // everything underflowed: fall back to the single most likely token
            order[0] = argmax(probs, 0, vocab);
            return 1;
        }
        Arrays.sort(keys, 0, n);
        for (int i = 0; i < n; i++) order[i] = (int) (0xffffffffL - (keys[n - 1 - i] & 0xffffffffL));
        return n;
    }

    private void applyRepetitionPenalty(float[] logits, int vocab, int[] history, int length) {
        float penalty = options.repetitionPenalty();
        if (penalty == 1f || length == 0) return;
        if (seen.length < vocab) seen = new boolean[vocab];
        for (int i = 0; i < length; i++) {
            int token = history[i];
            if (token < 0 || token >= vocab || seen[token]) continue;
            seen[token] = true;
            logits[token] = logits[token] > 0 ? logits[token] / penalty : logits[token] * penalty;
        }
        for (int i = 0; i < length; i++) if (history[i] >= 0 && history[i] < vocab) seen[history[i]] = false;
    }

    private void ensureCapacity(int vocab) {
        if (probs.length < vocab) {
            probs = new float[vocab];
            order = new int[vocab];
            keys = new long[vocab];
        }
    }

    /** Index of the largest value (the first one on ties, like torch.argmax). */
    public static int argmax(float[] values, int offset, int length) {
        int best = 0;
        float bestValue = values[offset];
        for (int i = 1; i < length; i++) {
            if (values[offset + i] > bestValue) {
                bestValue = values[offset + i];
                best = i;
            }
        }
        return best;
    }
}
