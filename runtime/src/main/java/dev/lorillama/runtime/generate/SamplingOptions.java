package dev.lorillama.runtime.generate;

/**
 * How the next token is picked from the logits, in Hugging Face's order: repetition penalty,
 * temperature, top-k, top-p, min-p, then a draw. Temperature 0 means greedy (argmax).
 *
 * @param topK              keep the k most likely tokens; 0 keeps all
 * @param topP              keep the smallest set whose probability reaches p; 1 keeps all
 * @param minP              drop tokens less likely than minP × the top probability; 0 keeps all
 * @param repetitionPenalty divide positive (multiply negative) logits of seen tokens; 1 is off
 * @param seed              the same seed draws the same tokens
 */
public record SamplingOptions(float temperature, int topK, float topP, float minP, float repetitionPenalty, long seed) {
    public static final SamplingOptions GREEDY = new SamplingOptions(0f, 0, 1f, 0f, 1f, 0);

    public SamplingOptions {
        check(temperature >= 0 && Float.isFinite(temperature), "temperature must be >= 0, got " + temperature);
        check(topK >= 0, "top-k must be >= 0, got " + topK);
        check(topP > 0 && topP <= 1, "top-p must be in (0, 1], got " + topP);
        check(minP >= 0 && minP <= 1, "min-p must be in [0, 1], got " + minP);
        check(repetitionPenalty > 0 && Float.isFinite(repetitionPenalty), "repetition penalty must be > 0, got " + repetitionPenalty);
    }

    private static void check(boolean ok, String message) {
        if (!ok) throw new IllegalArgumentException(message);
    }

    public boolean greedy() {
        return temperature == 0f;
    }

    public SamplingOptions withTemperature(float t) {
        return new SamplingOptions(t, topK, topP, minP, repetitionPenalty, seed);
    }

    public SamplingOptions withSeed(long s) {
        return new SamplingOptions(temperature, topK, topP, minP, repetitionPenalty, s);
    }
}
