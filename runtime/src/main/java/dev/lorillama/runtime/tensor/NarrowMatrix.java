package dev.lorillama.runtime.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * A dense matrix with few columns and many rows (a LoRA/LoRI-D B: out × rank), stored in tiles
 * of {@code L} rows (a float vector's lanes), column after column within a tile. {@code y = B·z}
 * is then, for each tile, one vector FMA per column with {@code z}'s entry broadcast: the sums
 * are {@code L} rows at once and stay in registers, with no horizontal sum per row (a row-major
 * B spends more on summing each 64-wide row's lanes than on its FMAs). Values are F32, BF16 or F16.
 * Each row's sum runs over its columns in order, whatever the batch. Lives on the heap.
 */
public final class NarrowMatrix implements WeightMatrix {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();

    private final String name;
    private final DType dtype;
    private final int rows;
    private final int cols;
    private final float[] floats; // tiles × cols × L when F32, else null (rows past the last are zeros)
    private final short[] halves; // the same, BF16 or F16

    private NarrowMatrix(String name, DType dtype, int rows, int cols, float[] floats, short[] halves) {
        this.name = name;
        this.dtype = dtype;
        this.rows = rows;
        this.cols = cols;
        this.floats = floats;
        this.halves = halves;
    }

    /** {@code dense}'s values rounded to {@code dtype} (F32, BF16, F16), in tiles. */
    public static NarrowMatrix of(WeightMatrix dense, DType dtype) {
        if (dtype != DType.F32 && dtype != DType.BF16 && dtype != DType.F16) throw new IllegalArgumentException(dtype + " is not a float type");
        int rows = dense.rows(), cols = dense.cols(), tiles = (rows + L - 1) / L;
        int size = Math.multiplyExact(tiles * L, cols);
        float[] floats = dtype == DType.F32 ? new float[size] : null;
        short[] halves = dtype == DType.F32 ? null : new short[size];
        float[] row = new float[cols];
        for (int r = 0; r < rows; r++) {
            dense.readRow(r, row, 0);
            int at = (r / L) * cols * L + r % L;
            for (int c = 0; c < cols; c++, at += L) {
                if (floats != null) floats[at] = row[c];
                else halves[at] = HalfFloats.round(dtype, row[c]);
            }
        }
        return new NarrowMatrix(dense.describe() + " (" + dtype + " tiles)", dtype, rows, cols, floats, halves);
    }

    public DType dtype() {
        return dtype;
    }

    @Override
    public int rows() {
        return rows;
    }

    @Override
    public int cols() {
        return cols;
    }

    @Override
    public long byteSize() {
        return floats != null ? (long) floats.length * Float.BYTES : (long) halves.length * Short.BYTES;
    }

    @Override
    public String describe() {
        return name + " [" + rows + ", " + cols + "]";
    }

    @Override
    public void multiplyRows(float[] x, int tokenFrom, int tokenTo, float[] y, int rowFrom, int rowTo) {
        float[] edge = EdgeTiles.buffer();
        for (int t = tokenFrom; t < tokenTo; t++) {
            if (floats != null) multiplyF32(x, t * cols, y, t * rows, rowFrom, rowTo, edge);
            else if (dtype == DType.BF16) multiplyBf16(x, t * cols, y, t * rows, rowFrom, rowTo, edge);
            else multiplyF16(x, t * cols, y, t * rows, rowFrom, rowTo, edge);
        }
    }

    // One loop per value type, several tiles at a time (independent chains of FMAs), then the
    // tiles left one by one: four for F32, two for the 16-bit types, whose loop bodies with four
    // decodes grew past the JIT's inlining budget and boxed their vectors (NarrowMatrixTest).
    // Tiles the range cuts go through {@link EdgeTiles}.

    private void multiplyF32(float[] x, int xo, float[] y, int yo, int rowFrom, int rowTo, float[] edge) {
        int tile = rowFrom / L, end = (rowTo + L - 1) / L, stride = cols * L;
        for (; tile + 4 <= end; tile += 4) {
            FloatVector s0 = FloatVector.zero(F), s1 = s0, s2 = s0, s3 = s0;
            for (int c = 0, o = tile * stride; c < cols; c++, o += L) {
                FloatVector z = FloatVector.broadcast(F, x[xo + c]);
                s0 = FloatVector.fromArray(F, floats, o).fma(z, s0);
                s1 = FloatVector.fromArray(F, floats, o + stride).fma(z, s1);
                s2 = FloatVector.fromArray(F, floats, o + 2 * stride).fma(z, s2);
                s3 = FloatVector.fromArray(F, floats, o + 3 * stride).fma(z, s3);
            }
            int first = tile * L;
            if (first >= rowFrom && first + 4 * L <= rowTo) { // whole tiles: plain stores
                s0.intoArray(y, yo + first);
                s1.intoArray(y, yo + first + L);
                s2.intoArray(y, yo + first + 2 * L);
                s3.intoArray(y, yo + first + 3 * L);
            } else {
                s0.intoArray(edge, 0);
                s1.intoArray(edge, L);
                s2.intoArray(edge, 2 * L);
                s3.intoArray(edge, 3 * L);
                EdgeTiles.store(edge, 4 * L, y, yo, first, rowFrom, rowTo);
            }
        }
        for (; tile < end; tile++) {
            FloatVector sum = FloatVector.zero(F);
            for (int c = 0, o = tile * stride; c < cols; c++, o += L) {
                sum = FloatVector.fromArray(F, floats, o).fma(FloatVector.broadcast(F, x[xo + c]), sum);
            }
            int first = tile * L;
            if (first >= rowFrom && first + L <= rowTo) sum.intoArray(y, yo + first);
            else {
                sum.intoArray(edge, 0);
                EdgeTiles.store(edge, L, y, yo, first, rowFrom, rowTo);
            }
        }
    }

    private void multiplyBf16(float[] x, int xo, float[] y, int yo, int rowFrom, int rowTo, float[] edge) {
        int tile = rowFrom / L, end = (rowTo + L - 1) / L, stride = cols * L;
        for (; tile + 2 <= end; tile += 2) {
            FloatVector s0 = FloatVector.zero(F), s1 = s0;
            for (int c = 0, o = tile * stride; c < cols; c++, o += L) {
                FloatVector z = FloatVector.broadcast(F, x[xo + c]);
                s0 = z.fma(HalfFloats.bf16(halves, o), s0);
                s1 = z.fma(HalfFloats.bf16(halves, o + stride), s1);
            }
            int first = tile * L;
            if (first >= rowFrom && first + 2 * L <= rowTo) { // whole tiles: plain stores
                s0.intoArray(y, yo + first);
                s1.intoArray(y, yo + first + L);
            } else {
                s0.intoArray(edge, 0);
                s1.intoArray(edge, L);
                EdgeTiles.store(edge, 2 * L, y, yo, first, rowFrom, rowTo);
            }
        }
        for (; tile < end; tile++) {
            FloatVector sum = FloatVector.zero(F);
            for (int c = 0, o = tile * stride; c < cols; c++, o += L) sum = FloatVector.broadcast(F, x[xo + c]).fma(HalfFloats.bf16(halves, o), sum);
            int first = tile * L;
            if (first >= rowFrom && first + L <= rowTo) sum.intoArray(y, yo + first);
            else {
                sum.intoArray(edge, 0);
                EdgeTiles.store(edge, L, y, yo, first, rowFrom, rowTo);
            }
        }
    }

    private void multiplyF16(float[] x, int xo, float[] y, int yo, int rowFrom, int rowTo, float[] edge) {
        FloatVector rebias = FloatVector.broadcast(F, HalfFloats.F16_EXPONENT_REBIAS);
        int tile = rowFrom / L, end = (rowTo + L - 1) / L, stride = cols * L;
        for (; tile + 2 <= end; tile += 2) {
            FloatVector s0 = FloatVector.zero(F), s1 = s0;
            for (int c = 0, o = tile * stride; c < cols; c++, o += L) {
                FloatVector z = FloatVector.broadcast(F, x[xo + c]);
                s0 = z.fma(rebias.mul(HalfFloats.floatBits(halves, o).reinterpretAsFloats()), s0);
                s1 = z.fma(rebias.mul(HalfFloats.floatBits(halves, o + stride).reinterpretAsFloats()), s1);
            }
            int first = tile * L;
            if (first >= rowFrom && first + 2 * L <= rowTo) { // whole tiles: plain stores
                s0.intoArray(y, yo + first);
                s1.intoArray(y, yo + first + L);
            } else {
                s0.intoArray(edge, 0);
                s1.intoArray(edge, L);
                EdgeTiles.store(edge, 2 * L, y, yo, first, rowFrom, rowTo);
            }
        }
        for (; tile < end; tile++) {
            FloatVector sum = FloatVector.zero(F);
            for (int c = 0, o = tile * stride; c < cols; c++, o += L) {
                sum = FloatVector.broadcast(F, x[xo + c]).fma(rebias.mul(HalfFloats.floatBits(halves, o).reinterpretAsFloats()), sum);
            }
            int first = tile * L;
            if (first >= rowFrom && first + L <= rowTo) sum.intoArray(y, yo + first);
            else {
                sum.intoArray(edge, 0);
                EdgeTiles.store(edge, L, y, yo, first, rowFrom, rowTo);
            }
        }
    }

    /** The plain twin of the vector kernels: row by row, column by column. */
    void multiplyPlain(float[] x, int xo, float[] y, int yo, int rowFrom, int rowTo) {
        for (int r = rowFrom; r < rowTo; r++) {
            float sum = 0f;
            for (int c = 0; c < cols; c++) sum = Math.fma(get(r, c), x[xo + c], sum);
            y[yo + r] = sum;
        }
    }

    @Override
    public float get(int row, int col) {
        int at = (row / L) * cols * L + col * L + row % L;
        if (floats != null) return floats[at];
        return HalfFloats.decode(dtype, halves[at]);
    }
}
