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
 * @param droppedMessages  for a {@link Session#chat}: how many of the oldest messages were left out of this prompt because
 *                         the conversation no longer fit the context (0 when all fit)
 */
public record Reply(String text, int[] tokens, FinishReason finishReason, int promptTokens, int reusedTokens,
                    double promptTokensPerSecond, double tokensPerSecond, int droppedMessages) {
    /** A reply for which no message was left out. */
    public Reply(String text, int[] tokens, FinishReason finishReason, int promptTokens, int reusedTokens,
                 double promptTokensPerSecond, double tokensPerSecond) {
        this(text, tokens, finishReason, promptTokens, reusedTokens, promptTokensPerSecond, tokensPerSecond, 0);
    }

    public int completionTokens() {
        return tokens.length;
    }

    Reply withDroppedMessages(int dropped) {
        return new Reply(text, tokens, finishReason, promptTokens, reusedTokens, promptTokensPerSecond, tokensPerSecond, dropped);
    }
}
