package dev.lorillama.runtime.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The transposed product {@code dx[t] += Wᵀ·dy[t]} that a backward pass needs for every frozen
 * weight, for every format at once: a block of rows is decoded to floats with the format's own
 * {@link WeightMatrix#readRow} (the same decoding the forward pass uses), then each token adds
 * {@code Σ_i dy[t][r+i]·W[r+i]} to its row of {@code dx}. The sums of a column chunk stay in
 * registers across the whole block of rows; {@code dx[t]} is loaded and stored once per block.
 */
final class TransposedRowsKernel {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();
    /** Rows decoded together: each token's row of dx is read and written once per this many weight rows. */
    private static final int BLOCK_ROWS = 16;
    /** Per-thread buffer of decoded rows. */
    private static final ThreadLocal<float[]> DECODED = ThreadLocal.withInitial(() -> new float[0]);

    private TransposedRowsKernel() {}

    /**
     * {@code dx[t][c] += Σ_{r ∈ [rowFrom, rowTo)} W[r][c]·dy[t][r]} for {@code t < tokens};
     * dy is tokens × rows, dx tokens × cols.
     */
    static void accumulate(WeightMatrix m, float[] dy, int tokens, float[] dx, int rowFrom, int rowTo) {
        int cols = m.cols(), rows = m.rows();
        float[] w = DECODED.get();
        if (w.length < BLOCK_ROWS * cols) DECODED.set(w = new float[BLOCK_ROWS * cols]);
        for (int r = rowFrom; r < rowTo; r += BLOCK_ROWS) {
            int n = Math.min(BLOCK_ROWS, rowTo - r);
            for (int i = 0; i < n; i++) m.readRow(r + i, w, i * cols);
            for (int t = 0; t < tokens; t++) addWeightedRows(dy, t * rows + r, n, w, cols, dx, t * cols);
        }
    }

    /** {@code out[oo+c] += Σ_{i<count} weights[wo+i]·rows[i·cols + c]} for c < cols. */
    private static void addWeightedRows(float[] weights, int wo, int count, float[] rows, int cols, float[] out, int oo) {
        int c = 0;
        for (; c + 2 * L <= cols; c += 2 * L) {
            FloatVector a0 = FloatVector.fromArray(F, out, oo + c), a1 = FloatVector.fromArray(F, out, oo + c + L);
            for (int i = 0, o = c; i < count; i++, o += cols) {
                FloatVector weight = FloatVector.broadcast(F, weights[wo + i]);
                a0 = FloatVector.fromArray(F, rows, o).fma(weight, a0);
                a1 = FloatVector.fromArray(F, rows, o + L).fma(weight, a1);
            }
            a0.intoArray(out, oo + c);
            a1.intoArray(out, oo + c + L);
        }
        for (; c < cols; c++) {
            float sum = out[oo + c];
            for (int i = 0; i < count; i++) sum += weights[wo + i] * rows[i * cols + c];
            out[oo + c] = sum;
        }
    }
}
