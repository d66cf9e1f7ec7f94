package dev.lorillama.runtime.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The prefill kernel shared by every weight format. A block of rows is decoded to floats once
 * ({@link WeightMatrix#readRow}); then, for each block of tokens (in {@link TokenLanes} layout),
 * an 8-row tile walks the columns: each step broadcasts one weight of each row and multiplies it
 * by a vector holding that column for many tokens — 16 FMAs for 2 vector loads and 8 broadcasts,
 * and the sums are the outputs themselves (no horizontal adds).
 *
 * <p>The columns are walked in chunks so that the tokens' chunk (32 KB) stays in L1 while all
 * the decoded rows pass it; the tiles' sums wait in a small buffer between chunks. Over the full
 * width, activations streamed from L2 for every 8 rows and the loop waited on them (~145 against
 * ~200 GFLOP/s per core here).
 */
final class DecodedRowsKernel {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();
    private static final int WIDTH = TokenLanes.WIDTH;
    /** Rows of one tile (its 2×8 sums fill half the vector registers). */
    private static final int TILE_ROWS = 8;
    /** Rows decoded together, so the tokens' chunk is reused by several tiles while in L1. */
    private static final int BLOCK_ROWS = 4 * TILE_ROWS;
    /** Columns per chunk: {@code CHUNK × WIDTH} floats of activations take 32 KB of the 48 KB L1. */
    private static final int CHUNK = 8192 / WIDTH;
    /** Per-thread buffers: decoded rows, and the sums of a block of rows × a block of tokens. */
    private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[][] {new float[0], new float[BLOCK_ROWS * WIDTH]});

    private static final ThreadLocal<float[]> LANES = ThreadLocal.withInitial(() -> new float[0]);

    private DecodedRowsKernel() {}

    /** The same, from row-major activations: tokens [tokenFrom, tokenTo) of {@code x} (direct calls, tests). */
    static void multiply(WeightMatrix m, float[] x, int tokenFrom, int tokenTo, float[] y, int rowFrom, int rowTo) {
        float[] lanes = LANES.get();
        int size = TokenLanes.size(tokenTo - tokenFrom, m.cols());
        if (lanes.length < size) LANES.set(lanes = new float[size]);
        TokenLanes.fill(x, tokenFrom, tokenTo, m.cols(), lanes);
        multiplyLanes(m, lanes, 0, tokenFrom, tokenTo - tokenFrom, y, rowFrom, rowTo);
    }

    /**
     * {@code y[tokenFrom + t][r] = W[r] · x[tokenFrom + t]} for rows [rowFrom, rowTo) and
     * {@code t < tokens}, with the tokens given as {@link TokenLanes} ({@code lanes} from
     * {@code lanesOffset} on, block 0 = token {@code tokenFrom}).
     */
    static void multiplyLanes(WeightMatrix m, float[] lanes, int lanesOffset, int tokenFrom, int tokens, float[] y, int rowFrom, int rowTo) {
        int cols = m.cols(), rows = m.rows();
        float[][] scratch = SCRATCH.get();
        if (scratch[0].length < BLOCK_ROWS * cols) scratch[0] = new float[BLOCK_ROWS * cols];
        float[] w = scratch[0], sums = scratch[1];
        for (int r = rowFrom; r < rowTo; r += BLOCK_ROWS) {
            int n = Math.min(BLOCK_ROWS, rowTo - r);
            for (int i = 0; i < n; i++) m.readRow(r + i, w, i * cols);
            // A last tile with fewer than 8 rows runs on leftover rows; their sums are not written out.
            for (int b = 0; b * WIDTH < tokens; b++) {
                int count = Math.min(WIDTH, tokens - b * WIDTH), l = lanesOffset + b * cols * WIDTH;
                for (int from = 0; from < cols; from += CHUNK) {
                    int to = Math.min(cols, from + CHUNK);
                    for (int i = 0; i < n; i += TILE_ROWS) {
                        if (count > L) tile(w, i * cols, cols, lanes, l, from, to, sums, i * WIDTH);
                        else narrowTile(w, i * cols, cols, lanes, l, from, to, sums, i * WIDTH);
                    }
                }
                for (int j = 0; j < count; j++) {
                    int yo = (tokenFrom + b * WIDTH + j) * rows + r;
                    for (int i = 0; i < n; i++) y[yo + i] = sums[i * WIDTH + j];
                }
            }
        }
    }

    /**
     * Sums of 8 rows (from {@code w[wo ..]}, {@code cols} apart) × {@link TokenLanes#WIDTH} tokens
     * over columns [from, to), resumed from and put back to {@code sums[s ..]} (row-major).
     */
    private static void tile(float[] w, int wo, int cols, float[] lanes, int l, int from, int to, float[] sums, int s) {
        boolean fresh = from == 0;
        FloatVector a0 = fresh ? FloatVector.zero(F) : FloatVector.fromArray(F, sums, s), b0 = fresh ? a0 : FloatVector.fromArray(F, sums, s + L);
        FloatVector a1 = fresh ? a0 : FloatVector.fromArray(F, sums, s + WIDTH), b1 = fresh ? a0 : FloatVector.fromArray(F, sums, s + WIDTH + L);
        FloatVector a2 = fresh ? a0 : FloatVector.fromArray(F, sums, s + 2 * WIDTH), b2 = fresh ? a0 : FloatVector.fromArray(F, sums, s + 2 * WIDTH + L);
        FloatVector a3 = fresh ? a0 : FloatVector.fromArray(F, sums, s + 3 * WIDTH), b3 = fresh ? a0 : FloatVector.fromArray(F, sums, s + 3 * WIDTH + L);
        FloatVector a4 = fresh ? a0 : FloatVector.fromArray(F, sums, s + 4 * WIDTH), b4 = fresh ? a0 : FloatVector.fromArray(F, sums, s + 4 * WIDTH + L);
        FloatVector a5 = fresh ? a0 : FloatVector.fromArray(F, sums, s + 5 * WIDTH), b5 = fresh ? a0 : FloatVector.fromArray(F, sums, s + 5 * WIDTH + L);
        FloatVector a6 = fresh ? a0 : FloatVector.fromArray(F, sums, s + 6 * WIDTH), b6 = fresh ? a0 : FloatVector.fromArray(F, sums, s + 6 * WIDTH + L);
        FloatVector a7 = fresh ? a0 : FloatVector.fromArray(F, sums, s + 7 * WIDTH), b7 = fresh ? a0 : FloatVector.fromArray(F, sums, s + 7 * WIDTH + L);
        for (int c = from; c < to; c++) {
            FloatVector lo = FloatVector.fromArray(F, lanes, l + c * WIDTH), hi = FloatVector.fromArray(F, lanes, l + c * WIDTH + L);
            FloatVector u = FloatVector.broadcast(F, w[wo + c]);
            a0 = u.fma(lo, a0); b0 = u.fma(hi, b0);
            u = FloatVector.broadcast(F, w[wo + cols + c]);
            a1 = u.fma(lo, a1); b1 = u.fma(hi, b1);
            u = FloatVector.broadcast(F, w[wo + 2 * cols + c]);
            a2 = u.fma(lo, a2); b2 = u.fma(hi, b2);
            u = FloatVector.broadcast(F, w[wo + 3 * cols + c]);
            a3 = u.fma(lo, a3); b3 = u.fma(hi, b3);
            u = FloatVector.broadcast(F, w[wo + 4 * cols + c]);
            a4 = u.fma(lo, a4); b4 = u.fma(hi, b4);
            u = FloatVector.broadcast(F, w[wo + 5 * cols + c]);
            a5 = u.fma(lo, a5); b5 = u.fma(hi, b5);
            u = FloatVector.broadcast(F, w[wo + 6 * cols + c]);
            a6 = u.fma(lo, a6); b6 = u.fma(hi, b6);
            u = FloatVector.broadcast(F, w[wo + 7 * cols + c]);
            a7 = u.fma(lo, a7); b7 = u.fma(hi, b7);
        }
        a0.intoArray(sums, s); b0.intoArray(sums, s + L);
        a1.intoArray(sums, s + WIDTH); b1.intoArray(sums, s + WIDTH + L);
        a2.intoArray(sums, s + 2 * WIDTH); b2.intoArray(sums, s + 2 * WIDTH + L);
        a3.intoArray(sums, s + 3 * WIDTH); b3.intoArray(sums, s + 3 * WIDTH + L);
        a4.intoArray(sums, s + 4 * WIDTH); b4.intoArray(sums, s + 4 * WIDTH + L);
        a5.intoArray(sums, s + 5 * WIDTH); b5.intoArray(sums, s + 5 * WIDTH + L);
        a6.intoArray(sums, s + 6 * WIDTH); b6.intoArray(sums, s + 6 * WIDTH + L);
        a7.intoArray(sums, s + 7 * WIDTH); b7.intoArray(sums, s + 7 * WIDTH + L);
    }

    /** {@link #tile} for a block of at most one vector of tokens (short prompts, the last block). */
    private static void narrowTile(float[] w, int wo, int cols, float[] lanes, int l, int from, int to, float[] sums, int s) {
        boolean fresh = from == 0;
        FloatVector a0 = fresh ? FloatVector.zero(F) : FloatVector.fromArray(F, sums, s);
        FloatVector a1 = fresh ? a0 : FloatVector.fromArray(F, sums, s + WIDTH);
        FloatVector a2 = fresh ? a0 : FloatVector.fromArray(F, sums, s + 2 * WIDTH);
        FloatVector a3 = fresh ? a0 : FloatVector.fromArray(F, sums, s + 3 * WIDTH);
        FloatVector a4 = fresh ? a0 : FloatVector.fromArray(F, sums, s + 4 * WIDTH);
        FloatVector a5 = fresh ? a0 : FloatVector.fromArray(F, sums, s + 5 * WIDTH);
        FloatVector a6 = fresh ? a0 : FloatVector.fromArray(F, sums, s + 6 * WIDTH);
        FloatVector a7 = fresh ? a0 : FloatVector.fromArray(F, sums, s + 7 * WIDTH);
        for (int c = from; c < to; c++) {
            FloatVector lo = FloatVector.fromArray(F, lanes, l + c * WIDTH);
            a0 = FloatVector.broadcast(F, w[wo + c]).fma(lo, a0);
            a1 = FloatVector.broadcast(F, w[wo + cols + c]).fma(lo, a1);
            a2 = FloatVector.broadcast(F, w[wo + 2 * cols + c]).fma(lo, a2);
            a3 = FloatVector.broadcast(F, w[wo + 3 * cols + c]).fma(lo, a3);
            a4 = FloatVector.broadcast(F, w[wo + 4 * cols + c]).fma(lo, a4);
            a5 = FloatVector.broadcast(F, w[wo + 5 * cols + c]).fma(lo, a5);
            a6 = FloatVector.broadcast(F, w[wo + 6 * cols + c]).fma(lo, a6);
            a7 = FloatVector.broadcast(F, w[wo + 7 * cols + c]).fma(lo, a7);
        }
        a0.intoArray(sums, s); a1.intoArray(sums, s + WIDTH); a2.intoArray(sums, s + 2 * WIDTH); a3.intoArray(sums, s + 3 * WIDTH);
        a4.intoArray(sums, s + 4 * WIDTH); a5.intoArray(sums, s + 5 * WIDTH); a6.intoArray(sums, s + 6 * WIDTH); a7.intoArray(sums, s + 7 * WIDTH);
    }
}
