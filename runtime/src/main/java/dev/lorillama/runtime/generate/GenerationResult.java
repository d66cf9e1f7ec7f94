package dev.lorillama.runtime.generate;

/**
 * @param tokens        the generated ids, the stop token excluded
 * @param promptTokens  how many prompt tokens were ingested
 * @param prefillNanos  time spent on the prompt
 * @param decodeNanos   time spent generating
 */
public record GenerationResult(int[] tokens, StopReason stopReason, int promptTokens, long prefillNanos, long decodeNanos) {
    public double prefillTokensPerSecond() {
        return prefillNanos == 0 ? 0 : promptTokens * 1e9 / prefillNanos;
    }

    public double decodeTokensPerSecond() {
        return decodeNanos == 0 ? 0 : tokens.length * 1e9 / decodeNanos;
    }
}
