package dev.lorillama.api;

import dev.lorillama.runtime.generate.LogitsHook;
import dev.lorillama.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.List;

/**
 * Records the log-probability of each sampled token and the {@code top} most likely ones, from
 * the logits as the model gave them (it runs before any constraint changes them). Written on the
 * scheduler's thread, read from any.
 */
final class LogprobRecorder implements LogitsHook {
    private final Tokenizer tokenizer;
    private final int top;
    private final List<TokenLogprob> entries = new ArrayList<>();
    private float[] raw = new float[0];
    private int vocab;
    private double logSumExp;
    private int[] best;

    LogprobRecorder(Tokenizer tokenizer, int top) {
        this.tokenizer = tokenizer;
        this.top = top;
        this.best = new int[top];
    }

    @Override
    public void beforeSampling(float[] logits, int vocab) {
        if (raw.length < vocab) raw = new float[vocab];
        System.arraycopy(logits, 0, raw, 0, vocab); // the sampler and a constraint change logits in place
        this.vocab = vocab;
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < vocab; i++) max = Math.max(max, logits[i]);
        double sum = 0;
        for (int i = 0; i < vocab; i++) sum += Math.exp(logits[i] - max);
        logSumExp = max + Math.log(sum);
    }

    @Override
    public void sampled(int token) {
        List<TokenLogprob> alternatives = new ArrayList<>(top);
        int n = mostLikely();
        for (int i = 0; i < n; i++) alternatives.add(entry(best[i], List.of()));
        TokenLogprob e = entry(token, List.copyOf(alternatives));
        synchronized (entries) {
            entries.add(e);
        }
    }

    /** Fills {@code best} with the ids of the {@code top} largest logits, largest first (lower id on ties); returns how many. */
    private int mostLikely() {
        int n = 0;
        for (int i = 0; i < vocab; i++) {
            if (n == top && (top == 0 || raw[i] <= raw[best[n - 1]])) continue;
            int at = n < top ? n++ : n - 1;
            while (at > 0 && raw[best[at - 1]] < raw[i]) {
                best[at] = best[at - 1];
                at--;
            }
            best[at] = i;
        }
        return n;
    }

    private TokenLogprob entry(int id, List<TokenLogprob> alternatives) {
        byte[] bytes = tokenizer.tokenBytes(id);
        String text = id < tokenizer.vocabSize() ? safeText(id) : "";
        return new TokenLogprob(id, text, bytes == null ? new byte[0] : bytes, (float) (raw[id] - logSumExp), alternatives);
    }

    private String safeText(int id) {
        try {
            return tokenizer.tokenText(id);
        } catch (IllegalArgumentException undefinedId) {
            return "";
        }
    }

    /** The entries so far, in order. */
    List<TokenLogprob> entries() {
        synchronized (entries) {
            return List.copyOf(entries);
        }
    }
}
