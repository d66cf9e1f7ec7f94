package dev.lorillama.api;

/** Why a reply ended. */
public enum FinishReason {
    /** The model ended its turn (a stop token) or wrote a stop string. */
    STOP,
    /** The requested maximum of new tokens was reached. */
    LENGTH,
    /** The context (KV cache) is full. */
    CONTEXT_FULL,
    /** {@link Session#cancel()} was called. */
    CANCELLED
}
