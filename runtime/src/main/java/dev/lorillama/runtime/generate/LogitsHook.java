package dev.lorillama.runtime.generate;

/**
 * Sees one sequence's logits at each step, before its sampler does: it may read them (to report
 * log-probabilities) and forbid tokens by setting their logit to negative infinity (constrained
 * decoding, e.g. JSON that must follow a schema). Runs on the scheduler's thread, so it must be
 * quick; one hook belongs to one sequence.
 */
public interface LogitsHook {
    /** {@code logits[0..vocab)} as the model gave them; set a forbidden token's entry to {@code -Infinity}. */
    void beforeSampling(float[] logits, int vocab);

    /** The token the sampler drew from those logits. */
    void sampled(int token);

    /** {@code first}, then {@code second} (so the first sees the logits before the second changes them); either may be null. */
    static LogitsHook chain(LogitsHook first, LogitsHook second) {
        if (first == null) return second;
        if (second == null) return first;
        return new LogitsHook() {
            @Override
            public void beforeSampling(float[] logits, int vocab) {
                first.beforeSampling(logits, vocab);
                second.beforeSampling(logits, vocab);
            }

            @Override
            public void sampled(int token) {
                first.sampled(token);
                second.sampled(token);
            }
        };
    }
}
