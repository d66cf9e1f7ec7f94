package dev.lorillama.gpu;

/**
 * The small device array of what changes from one forward pass to the next (TornadoVM bakes
 * scalar arguments into the compiled kernels, so these cannot be arguments): where each value sits.
 */
final class Step {
    /** Position of the first token of this pass. */
    static final int POSITION = 0;
    /** Which of the device's KV caches the sequence uses. */
    static final int SLOT = 1;
    /** First token whose logits are wanted: 0 for all, n−1 for the last only. */
    static final int HEAD_FROM = 2;
    static final int SIZE = 3;

    private Step() {}
}
