package dev.lorillama.runtime.model;

/**
 * The row order of q/k projections in GGUF files. llama.cpp's converter permutes each head's rows
 * so RoPE pairs are adjacent: per head, rows are viewed as [2, headDim/2] and transposed to
 * [headDim/2, 2]; GGUF row 2i is HF row i and GGUF row 2i+1 is HF row i + headDim/2.
 * An HF-layout LoRA/LoRI adapter applied to a GGUF base needs the rows of its q/k lora_B
 * permuted the same way (its lora_A acts on the input side and stays as it is).
 */
public final class RopePermutation {
    private RopePermutation() {}

    /** The HF row that GGUF row {@code ggufRow} holds (rows of all heads, headDim each). */
    public static int hfRowOf(int ggufRow, int headDim) {
        int head = ggufRow / headDim, within = ggufRow % headDim;
        return head * headDim + (within % 2) * (headDim / 2) + within / 2;
    }

    /**
     * Rows of a row-major {@code rows × cols} matrix in HF order (a q/k weight or lora_B,
     * out × r), returned in GGUF order.
     */
    public static float[] hfToGgufRows(float[] matrix, int rows, int cols, int headDim) {
        if (rows % headDim != 0 || headDim % 2 != 0 || matrix.length != rows * cols) {
            throw new IllegalArgumentException("cannot permute " + rows + "x" + cols + " rows by heads of " + headDim);
        }
        float[] out = new float[matrix.length];
        for (int r = 0; r < rows; r++) System.arraycopy(matrix, hfRowOf(r, headDim) * cols, out, r * cols, cols);
        return out;
    }
}
