package dev.lorillama.api;

import dev.lorillama.runtime.generate.SamplingOptions;
import java.util.List;

/**
 * How one reply is generated.
 *
 * @param sampling  temperature (0 = greedy), top-k, top-p, min-p, repetition penalty, seed
 * @param maxTokens at most this many new tokens (fewer if the context fills up)
 * @param stop      strings that end the reply where they appear (they are not part of it)
 */
public record GenerationSettings(SamplingOptions sampling, int maxTokens, List<String> stop) {
    /** Meta's defaults for Llama 3 Instruct (generation_config.json): temperature 0.6, top-p 0.9. */
    public static final float DEFAULT_TEMPERATURE = 0.6f;
    public static final float DEFAULT_TOP_P = 0.9f;
    public static final int DEFAULT_MAX_TOKENS = 512;

    public GenerationSettings {
        if (sampling == null) throw new IllegalArgumentException("sampling options are required");
        if (maxTokens < 0) throw new IllegalArgumentException("max tokens must be >= 0, got " + maxTokens);
        stop = List.copyOf(stop);
        for (String s : stop) if (s.isEmpty()) throw new IllegalArgumentException("a stop string must not be empty");
    }

    /** Sampling at Meta's defaults with a fresh random seed, up to {@value #DEFAULT_MAX_TOKENS} tokens. */
    public static GenerationSettings defaults() {
        return new GenerationSettings(new SamplingOptions(DEFAULT_TEMPERATURE, 0, DEFAULT_TOP_P, 0f, 1f,
                System.nanoTime()), DEFAULT_MAX_TOKENS, List.of());
    }

    /** Greedy decoding (always the most likely token): deterministic. */
    public static GenerationSettings greedy(int maxTokens) {
        return new GenerationSettings(SamplingOptions.GREEDY, maxTokens, List.of());
    }

    public GenerationSettings withSampling(SamplingOptions s) {
        return new GenerationSettings(s, maxTokens, stop);
    }

    public GenerationSettings withMaxTokens(int n) {
        return new GenerationSettings(sampling, n, stop);
    }

    public GenerationSettings withStop(List<String> s) {
        return new GenerationSettings(sampling, maxTokens, s);
    }
}
