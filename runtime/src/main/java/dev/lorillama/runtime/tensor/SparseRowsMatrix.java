package dev.lorillama.runtime.tensor;

import java.util.Arrays;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * A narrow matrix that is mostly exact zeros (a LoRI-S B: out × rank, ~90% zeros), kept as sliced
 * rows (the "SELL" layout): rows go in slices of {@code L} (a float vector's lanes), and slice
 * {@code s} holds as many slots as its densest row has non-zeros. Slot {@code j} holds, one lane
 * per row, the column (a byte) and value of that row's {@code j}-th non-zero; rows with fewer
 * non-zeros hold column 0 and value 0 there. Values are F32, BF16 or F16.
 *
 * <p>{@code y = B·z} is then one vector FMA per slot for {@code L} rows at once: z (at most
 * {@link #MAX_VECTOR_COLS} entries) sits in four registers, and each slot's columns pick their
 * entries from there with two two-table lookups and a blend. No horizontal sums and no gathers
 * from memory: at 10% density and rank 64 this measured 4× faster than compressed rows
 * (column and value per non-zero, a scalar loop per row) and 3× faster than a dense F32 B of
 * the same shape, with a third of the bytes of a dense BF16 B. Each row's sum runs over its
 * non-zeros in column order, whatever the batch: a row's result never depends on the others.
 * Lives on the heap: it is small by construction.
 */
public final class SparseRowsMatrix implements WeightMatrix {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();
    /** Columns the vector kernel takes: z in four registers. Wider matrices run the plain loop. */
    public static final int MAX_VECTOR_COLS = 4 * L;
    /** One byte per lane: a quarter of the float vector's width (none below 256-bit vectors). */
    private static final VectorSpecies<Byte> LANE_BYTES =
            F.vectorBitSize() >= 256 ? VectorSpecies.of(byte.class, VectorShape.forBitSize(F.vectorBitSize() / 4)) : null;

    private final String name;
    private final DType dtype;
    private final int rows;
    private final int cols;
    private final int nonZeros;
    private final int[] sliceStart;  // slices + 1 offsets, in slots
    private final byte[] columns;    // slots × L
    private final float[] floats;    // slots × L values when F32, else null
    private final short[] halves;    // slots × L values when BF16 or F16, else null
    private final boolean vectorKernel;

    private SparseRowsMatrix(String name, DType dtype, int rows, int cols, int nonZeros, int[] sliceStart, byte[] columns,
                             float[] floats, short[] halves) {
        this.name = name;
        this.dtype = dtype;
        this.rows = rows;
        this.cols = cols;
        this.nonZeros = nonZeros;
        this.sliceStart = sliceStart;
        this.columns = columns;
        this.floats = floats;
        this.halves = halves;
        this.vectorKernel = LANE_BYTES != null && cols <= MAX_VECTOR_COLS;
    }

    /** Keeps the non-zero entries of {@code dense} in F32, each multiplied by {@code scale}. */
    public static SparseRowsMatrix fromDense(WeightMatrix dense, float scale) {
        return fromDense(dense, scale, DType.F32);
    }

    /** Keeps the non-zero entries of {@code dense}, each multiplied by {@code scale} and rounded to {@code dtype} (F32, BF16, F16). */
    public static SparseRowsMatrix fromDense(WeightMatrix dense, float scale, DType dtype) {
        if (dtype != DType.F32 && dtype != DType.BF16 && dtype != DType.F16) throw new IllegalArgumentException(dtype + " is not a float type");
        int rows = dense.rows(), cols = dense.cols();
        if (cols > Byte.MAX_VALUE + 1) throw new IllegalArgumentException(dense.describe() + ": more than 128 columns");
        int slices = (rows + L - 1) / L;
        int[] perRow = new int[rows];
        float[] row = new float[cols];
        int nonZeros = 0;
        for (int r = 0; r < rows; r++) {
            dense.readRow(r, row, 0);
            for (float v : row) if (v != 0f) perRow[r]++;
            nonZeros += perRow[r];
        }
        int[] sliceStart = new int[slices + 1];
        for (int s = 0; s < slices; s++) {
            int width = 0;
            for (int r = s * L; r < Math.min(rows, (s + 1) * L); r++) width = Math.max(width, perRow[r]);
            sliceStart[s + 1] = sliceStart[s] + width;
        }
        int slots = sliceStart[slices];
        byte[] columns = new byte[slots * L];
        float[] floats = dtype == DType.F32 ? new float[slots * L] : null;
        short[] halves = dtype == DType.F32 ? null : new short[slots * L];
        for (int r = 0; r < rows; r++) {
            dense.readRow(r, row, 0);
            int at = sliceStart[r / L] * L + r % L;
            for (int c = 0; c < cols; c++) {
                if (row[c] == 0f) continue;
                float v = row[c] * scale;
                columns[at] = (byte) c;
                if (floats != null) floats[at] = v;
                else halves[at] = HalfFloats.round(dtype, v);
                at += L;
            }
        }
        return new SparseRowsMatrix(dense.describe() + " (sparse " + dtype + ")", dtype, rows, cols, nonZeros, sliceStart,
                columns, floats, halves);
    }

    /** Entries that were non-zero in the dense matrix. */
    public int nonZeros() {
        return nonZeros;
    }

    /** The type the values are held in. */
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
        long valueBytes = floats != null ? (long) floats.length * Float.BYTES : (long) halves.length * Short.BYTES;
        return columns.length + valueBytes + (long) sliceStart.length * Integer.BYTES;
    }

    @Override
    public String describe() {
        return name + " [" + rows + ", " + cols + "], " + nonZeros + " non-zeros in " + sliceStart[sliceStart.length - 1]
                + " slots of " + L;
    }

    @Override
    public void multiplyRows(float[] x, int tokenFrom, int tokenTo, float[] y, int rowFrom, int rowTo) {
        float[] edge = EdgeTiles.buffer();
        for (int t = tokenFrom; t < tokenTo; t++) {
            if (!vectorKernel) {
                multiplyPlain(x, t * cols, y, t * rows, rowFrom, rowTo);
                continue;
            }
            // z as four whole vectors: straight from x when it has 4L entries, else padded with zeros
            float[] z = x;
            int zo = t * cols;
            if (cols < MAX_VECTOR_COLS) {
                z = edge;
                zo = EdgeTiles.PADDED_Z;
                System.arraycopy(x, t * cols, z, zo, cols);
                Arrays.fill(z, zo + cols, zo + MAX_VECTOR_COLS, 0f);
            }
            if (floats != null) multiplyF32(z, zo, y, t * rows, rowFrom, rowTo, edge);
            else if (dtype == DType.BF16) multiplyBf16(z, zo, y, t * rows, rowFrom, rowTo, edge);
            else multiplyF16(z, zo, y, t * rows, rowFrom, rowTo, edge);
        }
    }

    // The three vector kernels are one loop each (one per value type, as for the weight formats):
    // z's entries in z0..z3, one lookup per slot: lanes whose column is below 2L take it from
    // (z0, z1), the others from (z2, z3) (the lookup wraps the index), then one FMA. Slices the
    // range cuts go through {@link EdgeTiles}.

    private void multiplyF32(float[] z, int zo, float[] y, int yo, int rowFrom, int rowTo, float[] edge) {
        FloatVector z0 = FloatVector.fromArray(F, z, zo), z1 = FloatVector.fromArray(F, z, zo + L);
        FloatVector z2 = FloatVector.fromArray(F, z, zo + 2 * L), z3 = FloatVector.fromArray(F, z, zo + 3 * L);
        for (int s = rowFrom / L, end = (rowTo + L - 1) / L; s < end; s++) {
            FloatVector sum = FloatVector.zero(F);
            for (int o = sliceStart[s] * L, stop = sliceStart[s + 1] * L; o < stop; o += L) {
                FloatVector column = (FloatVector) ByteVector.fromArray(LANE_BYTES, columns, o).convertShape(VectorOperators.B2F, F, 0);
                FloatVector picked = column.selectFrom(z0, z1).blend(column.selectFrom(z2, z3), column.compare(VectorOperators.GE, 2 * L));
                sum = FloatVector.fromArray(F, floats, o).fma(picked, sum);
            }
            int first = s * L;
            if (first >= rowFrom && first + L <= rowTo) sum.intoArray(y, yo + first);
            else {
                sum.intoArray(edge, 0);
                EdgeTiles.store(edge, L, y, yo, first, rowFrom, rowTo);
            }
        }
    }

    private void multiplyBf16(float[] z, int zo, float[] y, int yo, int rowFrom, int rowTo, float[] edge) {
        FloatVector z0 = FloatVector.fromArray(F, z, zo), z1 = FloatVector.fromArray(F, z, zo + L);
        FloatVector z2 = FloatVector.fromArray(F, z, zo + 2 * L), z3 = FloatVector.fromArray(F, z, zo + 3 * L);
        for (int s = rowFrom / L, end = (rowTo + L - 1) / L; s < end; s++) {
            FloatVector sum = FloatVector.zero(F);
            for (int o = sliceStart[s] * L, stop = sliceStart[s + 1] * L; o < stop; o += L) {
                FloatVector column = (FloatVector) ByteVector.fromArray(LANE_BYTES, columns, o).convertShape(VectorOperators.B2F, F, 0);
                FloatVector picked = column.selectFrom(z0, z1).blend(column.selectFrom(z2, z3), column.compare(VectorOperators.GE, 2 * L));
                sum = picked.fma(HalfFloats.bf16(halves, o), sum);
            }
            int first = s * L;
            if (first >= rowFrom && first + L <= rowTo) sum.intoArray(y, yo + first);
            else {
                sum.intoArray(edge, 0);
                EdgeTiles.store(edge, L, y, yo, first, rowFrom, rowTo);
            }
        }
    }

    private void multiplyF16(float[] z, int zo, float[] y, int yo, int rowFrom, int rowTo, float[] edge) {
        FloatVector z0 = FloatVector.fromArray(F, z, zo), z1 = FloatVector.fromArray(F, z, zo + L);
        FloatVector z2 = FloatVector.fromArray(F, z, zo + 2 * L), z3 = FloatVector.fromArray(F, z, zo + 3 * L);
        FloatVector rebias = FloatVector.broadcast(F, HalfFloats.F16_EXPONENT_REBIAS);
        for (int s = rowFrom / L, end = (rowTo + L - 1) / L; s < end; s++) {
            FloatVector sum = FloatVector.zero(F);
            for (int o = sliceStart[s] * L, stop = sliceStart[s + 1] * L; o < stop; o += L) {
                FloatVector column = (FloatVector) ByteVector.fromArray(LANE_BYTES, columns, o).convertShape(VectorOperators.B2F, F, 0);
                FloatVector picked = column.selectFrom(z0, z1).blend(column.selectFrom(z2, z3), column.compare(VectorOperators.GE, 2 * L));
                sum = picked.fma(rebias.mul(HalfFloats.floatBits(halves, o).reinterpretAsFloats()), sum);
            }
            int first = s * L;
            if (first >= rowFrom && first + L <= rowTo) sum.intoArray(y, yo + first);
            else {
                sum.intoArray(edge, 0);
                EdgeTiles.store(edge, L, y, yo, first, rowFrom, rowTo);
            }
        }
    }

    /** The plain twin of the vector kernels (and the path for matrices wider than they take): slot by slot, lane by lane. */
    void multiplyPlain(float[] x, int xo, float[] y, int yo, int rowFrom, int rowTo) {
        for (int r = rowFrom; r < rowTo; r++) {
            float sum = 0f;
            for (int o = sliceStart[r / L] * L + r % L, stop = sliceStart[r / L + 1] * L; o < stop; o += L) {
                sum = Math.fma(value(o), x[xo + columns[o]], sum);
            }
            y[yo + r] = sum;
        }
    }

    private float value(int at) {
        if (floats != null) return floats[at];
        return HalfFloats.decode(dtype, halves[at]);
    }

    @Override
    public void readRow(int row, float[] dst, int offset) {
        Arrays.fill(dst, offset, offset + cols, 0f);
        for (int o = sliceStart[row / L] * L + row % L, stop = sliceStart[row / L + 1] * L; o < stop; o += L) {
            if (value(o) != 0f) dst[offset + columns[o]] = value(o);
        }
    }

    @Override
    public float get(int row, int col) {
        for (int o = sliceStart[row / L] * L + row % L, stop = sliceStart[row / L + 1] * L; o < stop; o += L) {
            if (columns[o] == col && value(o) != 0f) return value(o);
        }
        return 0f;
    }
}
