package dev.lorillama.runtime.generate;

/** Why generation ended. */
public enum StopReason {
    /** A stop token (end of turn, end of text) was produced. */
    STOP_TOKEN,
    /** The requested number of new tokens was reached. */
    MAX_TOKENS,
    /** The KV cache is full: the context length is reached. */
    CONTEXT_FULL,
    /** The caller cancelled. */
    CANCELLED
}
