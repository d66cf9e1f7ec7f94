package dev.lorillama.lori;

/**
 * Row order of q/k projections. Hugging Face pairs element i with i + headDim/2 for RoPE; GGUF
 * (llama.cpp's converter) reorders each head's rows so that pairs sit side by side (2j, 2j+1).
 */
final class RopeRowOrder {
    private RopeRowOrder() {}

    /** The Hugging Face row that GGUF row {@code row} holds. */
    static int hfRowOfInterleaved(int row, int headDim) {
        int head = row / headDim, within = row % headDim;
        int pair = within / 2, element = within % 2;
        return head * headDim + element * (headDim / 2) + pair;
    }
}
