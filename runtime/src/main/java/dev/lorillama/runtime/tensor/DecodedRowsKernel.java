package dev.lorillama.runtime.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The prefill kernel shared by every weight format: a few rows are decoded to floats once
 * ({@link WeightMatrix#readRow}), then every token of the block passes them. The inner step is
 * a 4-row × 4-token register tile: each weight vector serves four tokens and each activation
 * vector four rows, so 16 FMAs need only 8 loads and the loop runs at FMA speed, not load speed.
 */
final class DecodedRowsKernel {
    static final int ROWS = 4;
    private static final int TOKENS = 4;
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    /** Per-thread buffer for {@link #ROWS} decoded rows, grown to the widest matrix seen. */
    private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[1][0]);

    private DecodedRowsKernel() {}

    /** {@code y[t][r] = W[r] · x[t]} for rows [rowFrom, rowTo) and tokens [tokenFrom, tokenTo). */
    static void multiply(WeightMatrix m, float[] x, int tokenFrom, int tokenTo, float[] y, int rowFrom, int rowTo) {
        int cols = m.cols(), rows = m.rows();
        float[][] holder = SCRATCH.get();
        if (holder[0].length < ROWS * cols) holder[0] = new float[ROWS * cols];
        float[] w = holder[0];
        for (int r = rowFrom; r < rowTo; r += ROWS) {
            int n = Math.min(ROWS, rowTo - r);
            for (int i = 0; i < n; i++) m.readRow(r + i, w, i * cols);
            if (n == ROWS) {
                int t = tokenFrom;
                for (; t + TOKENS <= tokenTo; t += TOKENS) tile4x4(w, cols, x, t, y, rows, r);
                for (; t < tokenTo; t++) tile4x1(w, cols, x, t, y, rows, r);
            } else {
                for (int i = 0; i < n; i++) {
                    for (int t = tokenFrom; t < tokenTo; t++) y[t * rows + r + i] = VectorOps.dot(w, i * cols, x, t * cols, cols);
                }
            }
        }
    }

    private static void tile4x4(float[] w, int cols, float[] x, int t, float[] y, int rows, int r) {
        int w0 = 0, w1 = cols, w2 = 2 * cols, w3 = 3 * cols;
        int x0 = t * cols, x1 = x0 + cols, x2 = x1 + cols, x3 = x2 + cols;
        FloatVector a00 = FloatVector.zero(F), a01 = a00, a02 = a00, a03 = a00;
        FloatVector a10 = a00, a11 = a00, a12 = a00, a13 = a00;
        FloatVector a20 = a00, a21 = a00, a22 = a00, a23 = a00;
        FloatVector a30 = a00, a31 = a00, a32 = a00, a33 = a00;
        int upper = F.loopBound(cols), c = 0;
        for (; c < upper; c += F.length()) {
            FloatVector v0 = FloatVector.fromArray(F, x, x0 + c), v1 = FloatVector.fromArray(F, x, x1 + c);
            FloatVector v2 = FloatVector.fromArray(F, x, x2 + c), v3 = FloatVector.fromArray(F, x, x3 + c);
            FloatVector u = FloatVector.fromArray(F, w, w0 + c);
            a00 = u.fma(v0, a00); a01 = u.fma(v1, a01); a02 = u.fma(v2, a02); a03 = u.fma(v3, a03);
            u = FloatVector.fromArray(F, w, w1 + c);
            a10 = u.fma(v0, a10); a11 = u.fma(v1, a11); a12 = u.fma(v2, a12); a13 = u.fma(v3, a13);
            u = FloatVector.fromArray(F, w, w2 + c);
            a20 = u.fma(v0, a20); a21 = u.fma(v1, a21); a22 = u.fma(v2, a22); a23 = u.fma(v3, a23);
            u = FloatVector.fromArray(F, w, w3 + c);
            a30 = u.fma(v0, a30); a31 = u.fma(v1, a31); a32 = u.fma(v2, a32); a33 = u.fma(v3, a33);
        }
        y[t * rows + r] = a00.reduceLanes(VectorOperators.ADD);
        y[t * rows + r + 1] = a10.reduceLanes(VectorOperators.ADD);
        y[t * rows + r + 2] = a20.reduceLanes(VectorOperators.ADD);
        y[t * rows + r + 3] = a30.reduceLanes(VectorOperators.ADD);
        y[(t + 1) * rows + r] = a01.reduceLanes(VectorOperators.ADD);
        y[(t + 1) * rows + r + 1] = a11.reduceLanes(VectorOperators.ADD);
        y[(t + 1) * rows + r + 2] = a21.reduceLanes(VectorOperators.ADD);
        y[(t + 1) * rows + r + 3] = a31.reduceLanes(VectorOperators.ADD);
        y[(t + 2) * rows + r] = a02.reduceLanes(VectorOperators.ADD);
        y[(t + 2) * rows + r + 1] = a12.reduceLanes(VectorOperators.ADD);
        y[(t + 2) * rows + r + 2] = a22.reduceLanes(VectorOperators.ADD);
        y[(t + 2) * rows + r + 3] = a32.reduceLanes(VectorOperators.ADD);
        y[(t + 3) * rows + r] = a03.reduceLanes(VectorOperators.ADD);
        y[(t + 3) * rows + r + 1] = a13.reduceLanes(VectorOperators.ADD);
        y[(t + 3) * rows + r + 2] = a23.reduceLanes(VectorOperators.ADD);
        y[(t + 3) * rows + r + 3] = a33.reduceLanes(VectorOperators.ADD);
        for (; c < cols; c++) { // columns past the last whole vector (float formats with odd widths)
            for (int j = 0; j < TOKENS; j++) {
                float xv = x[(t + j) * cols + c];
                for (int i = 0; i < ROWS; i++) y[(t + j) * rows + r + i] += w[i * cols + c] * xv;
            }
        }
    }

    private static void tile4x1(float[] w, int cols, float[] x, int t, float[] y, int rows, int r) {
        int xo = t * cols;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        int upper = F.loopBound(cols), c = 0;
        for (; c < upper; c += F.length()) {
            FloatVector v = FloatVector.fromArray(F, x, xo + c);
            a0 = FloatVector.fromArray(F, w, c).fma(v, a0);
            a1 = FloatVector.fromArray(F, w, cols + c).fma(v, a1);
            a2 = FloatVector.fromArray(F, w, 2 * cols + c).fma(v, a2);
            a3 = FloatVector.fromArray(F, w, 3 * cols + c).fma(v, a3);
        }
        y[t * rows + r] = a0.reduceLanes(VectorOperators.ADD);
        y[t * rows + r + 1] = a1.reduceLanes(VectorOperators.ADD);
        y[t * rows + r + 2] = a2.reduceLanes(VectorOperators.ADD);
        y[t * rows + r + 3] = a3.reduceLanes(VectorOperators.ADD);
        for (; c < cols; c++) {
            float xv = x[xo + c];
            for (int i = 0; i < ROWS; i++) y[t * rows + r + i] += w[i * cols + c] * xv;
        }
    }
}
