package dev.lorillama.api;

/**
 * A finished reply.
 *
 * @param text             the generated text (stop token and stop string excluded)
 * @param tokens           the generated token ids, as many as the model produced before stopping
 * @param finishReason     why it ended
 * @param promptTokens     tokens of the prompt (the whole conversation so far, for a chat)
 * @param reusedTokens     of those, how many were already in the session's KV cache and not recomputed
 * @param promptTokensPerSecond  prefill speed over the tokens actually computed
 * @param tokensPerSecond  generation speed
 */
public record Reply(String text, int[] tokens, FinishReason finishReason, int promptTokens, int reusedTokens,
                    double promptTokensPerSecond, double tokensPerSecond) {
    public int completionTokens() {
        return tokens.length;
    }
}
