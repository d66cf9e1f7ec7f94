package dev.lorillama.runtime.model;

/** A rescaling of RoPE's inverse frequencies (Llama 3.1's long-context extension). */
public sealed interface RopeScaling permits Llama3RopeScaling, RopeFrequencyFactors {
    /** Rescales inverse frequency number {@code index} (0 ≤ index < headDim/2). */
    double apply(int index, double invFreq);
}
