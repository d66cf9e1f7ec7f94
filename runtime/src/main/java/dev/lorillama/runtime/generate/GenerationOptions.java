package dev.lorillama.runtime.generate;

import java.util.Set;

/**
 * @param maxNewTokens  stop after this many generated tokens
 * @param stopTokens    ids that end generation (not passed to the listener as text, but reported)
 */
public record GenerationOptions(SamplingOptions sampling, int maxNewTokens, Set<Integer> stopTokens) {
    public GenerationOptions {
        if (maxNewTokens < 0) throw new IllegalArgumentException("max new tokens must be >= 0, got " + maxNewTokens);
        stopTokens = Set.copyOf(stopTokens);
    }

    public static GenerationOptions greedy(int maxNewTokens, Set<Integer> stopTokens) {
        return new GenerationOptions(SamplingOptions.GREEDY, maxNewTokens, stopTokens);
    }
}
