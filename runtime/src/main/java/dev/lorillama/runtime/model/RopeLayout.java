package dev.lorillama.runtime.model;

/**
 * Which elements of a head RoPE rotates together. Attention only needs q and k to agree: a
 * checkpoint whose q/k rows are permuted (GGUF) is run with the matching layout, unchanged.
 */
public enum RopeLayout {
    /** Hugging Face: element i pairs with i + headDim/2 ("rotate_half"). */
    HALVES,
    /** GGUF / Meta original: element 2i pairs with 2i + 1. */
    INTERLEAVED
}
