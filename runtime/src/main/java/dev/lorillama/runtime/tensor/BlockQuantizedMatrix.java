package dev.lorillama.runtime.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * A matrix stored in ggml blocks: each row is {@code cols / blockElements} blocks of
 * {@code blockBytes}, each block holding its scales and packed integers. Subclasses say how to
 * decode one block; the loops over rows, blocks and tokens live here once.
 *
 * <p>Decode (one token) runs the fused kernel {@link #dotBlock}: the block is dequantized in
 * registers and multiplied with the activations, so weights stream from memory exactly once.
 * Prefill (several tokens) decodes each row once into a per-thread float buffer and runs every
 * token of the batch past it, four at a time, so decoding costs once per row per token block.
 */
public abstract sealed class BlockQuantizedMatrix implements WeightMatrix
        permits Q8_0Matrix, Q4_0Matrix, Q4KMatrix, Q6KMatrix {
    /** Float lanes of the kernels; block sizes (32, 256) are multiples of it (capped at 16 lanes). */
    protected static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED.length() <= 16
            ? FloatVector.SPECIES_PREFERRED : FloatVector.SPECIES_512;
    /** Bytes with as many lanes as {@link #F}: one byte per weight widens into one float vector. */
    protected static final VectorSpecies<Byte> B = VectorSpecies.of(byte.class, VectorShape.forBitSize(F.length() * 8));
    protected static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    protected static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final int TOKEN_GROUP = 4;
    /** Per-thread buffers for a decoded row (prefill) and a decoded block (unfused decode). */
    private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[][] {new float[0], new float[256]});

    protected final String name;
    protected final DType dtype;
    protected final MemorySegment data;
    protected final int rows;
    protected final int cols;
    private final int blocksPerRow;
    private final long rowBytes;

    protected BlockQuantizedMatrix(String name, DType dtype, MemorySegment data, int rows, int cols) {
        if (cols % dtype.blockElements() != 0) {
            throw new IllegalArgumentException(name + ": " + cols + " columns are not a multiple of the " + dtype
                    + " block size " + dtype.blockElements());
        }
        long expected = dtype.byteSize((long) rows * cols);
        if (data.byteSize() != expected) {
            throw new IllegalArgumentException(name + ": " + data.byteSize() + " bytes for a " + rows + "x" + cols
                    + " " + dtype + " matrix, expected " + expected);
        }
        this.name = name;
        this.dtype = dtype;
        this.data = data;
        this.rows = rows;
        this.cols = cols;
        this.blocksPerRow = cols / dtype.blockElements();
        this.rowBytes = (long) blocksPerRow * dtype.blockBytes();
    }

    /** Decodes the block at byte {@code offset} into {@code out[oo .. oo+blockElements)}. */
    protected abstract void decodeBlock(long offset, float[] out, int oo);

    /** Element {@code i} of the block at byte {@code offset}, decoded one by one as the format spec says. */
    protected abstract float decodeScalar(long offset, int i);

    /**
     * {@code acc} plus lane-wise partial sums of (block values · {@code x[xo ..]}). This default
     * decodes into {@code blockScratch} first; formats that matter for speed override it fused.
     */
    protected FloatVector dotBlock(long offset, float[] x, int xo, FloatVector acc, float[] blockScratch) {
        int n = dtype.blockElements();
        decodeBlock(offset, blockScratch, 0);
        for (int i = 0; i < n; i += F.length()) {
            acc = FloatVector.fromArray(F, blockScratch, i).fma(FloatVector.fromArray(F, x, xo + i), acc);
        }
        return acc;
    }

    protected final float f16(long offset) {
        return Float.float16ToFloat(data.get(LE_SHORT, offset));
    }

    protected final int u8(long offset) {
        return data.get(ValueLayout.JAVA_BYTE, offset) & 0xFF;
    }

    @Override
    public final int rows() {
        return rows;
    }

    @Override
    public final int cols() {
        return cols;
    }

    @Override
    public final long byteSize() {
        return data.byteSize();
    }

    public final DType dtype() {
        return dtype;
    }

    @Override
    public String describe() {
        return name + " " + dtype + " [" + rows + ", " + cols + "]";
    }

    @Override
    public final float get(int row, int col) {
        long offset = row * rowBytes + (long) (col / dtype.blockElements()) * dtype.blockBytes();
        return decodeScalar(offset, col % dtype.blockElements());
    }

    @Override
    public void readRow(int row, float[] dst, int offset) {
        long rowStart = row * rowBytes;
        for (int b = 0; b < blocksPerRow; b++) {
            decodeBlock(rowStart + (long) b * dtype.blockBytes(), dst, offset + b * dtype.blockElements());
        }
    }

    @Override
    public void multiplyRows(float[] x, int tokenFrom, int tokenTo, float[] y, int rowFrom, int rowTo) {
        float[][] scratch = SCRATCH.get();
        if (tokenTo - tokenFrom == 1) {
            int xo = tokenFrom * cols, yo = tokenFrom * rows;
            for (int r = rowFrom; r < rowTo; r++) y[yo + r] = dotRow(r, x, xo, scratch[1]);
            return;
        }
        if (scratch[0].length < cols) scratch[0] = new float[cols];
        float[] w = scratch[0];
        for (int r = rowFrom; r < rowTo; r++) {
            readRow(r, w, 0);
            int t = tokenFrom;
            for (; t + TOKEN_GROUP <= tokenTo; t += TOKEN_GROUP) dot4(w, x, t, y, r);
            for (; t < tokenTo; t++) y[t * rows + r] = VectorOps.dot(w, 0, x, t * cols, cols);
        }
    }

    private float dotRow(int row, float[] x, int xo, float[] blockScratch) {
        long offset = row * rowBytes;
        int step = dtype.blockElements(), bytes = dtype.blockBytes();
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < blocksPerRow; b++, offset += bytes, xo += step) {
            acc = dotBlock(offset, x, xo, acc, blockScratch);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    /** Four tokens against one decoded row; cols is a multiple of the vector length. */
    private void dot4(float[] w, float[] x, int t, float[] y, int row) {
        int o0 = t * cols, o1 = o0 + cols, o2 = o1 + cols, o3 = o2 + cols;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (int c = 0; c < cols; c += F.length()) {
            FloatVector wv = FloatVector.fromArray(F, w, c);
            a0 = wv.fma(FloatVector.fromArray(F, x, o0 + c), a0);
            a1 = wv.fma(FloatVector.fromArray(F, x, o1 + c), a1);
            a2 = wv.fma(FloatVector.fromArray(F, x, o2 + c), a2);
            a3 = wv.fma(FloatVector.fromArray(F, x, o3 + c), a3);
        }
        y[t * rows + row] = a0.reduceLanes(VectorOperators.ADD);
        y[(t + 1) * rows + row] = a1.reduceLanes(VectorOperators.ADD);
        y[(t + 2) * rows + row] = a2.reduceLanes(VectorOperators.ADD);
        y[(t + 3) * rows + row] = a3.reduceLanes(VectorOperators.ADD);
    }
}
