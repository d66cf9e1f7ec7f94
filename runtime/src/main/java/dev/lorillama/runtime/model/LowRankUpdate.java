package dev.lorillama.runtime.model;

import dev.lorillama.runtime.tensor.WeightMatrix;

/**
 * A low-rank update {@code ΔW·x = scale · B·(A·x)} applied unmerged (a LoRA/LoRI adapter). A
 * batch computes {@code A·x} once per distinct A object for all its rows that need it, so updates
 * that hold the same A instance (LoRI adapters trained from one seed share A bit for bit, and the
 * adapter loader hands them one instance) share that product.
 */
public interface LowRankUpdate {
    /** r × in. */
    WeightMatrix a();

    /** out × r (dense, or compressed rows for a sparse LoRI-S B). */
    WeightMatrix b();

    /** Multiplies {@code A·x} before B (1 when folded into B). */
    float scale();
}
