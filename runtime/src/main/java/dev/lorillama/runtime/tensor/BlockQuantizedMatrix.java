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
 * Prefill (several tokens) decodes rows once into floats and runs the token block past them
 * ({@link DecodedRowsKernel}), so decoding costs once per row per token block.
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
    /** Per-thread buffer for one decoded block (decode of formats without a fused kernel). */
    private static final ThreadLocal<float[]> BLOCK_SCRATCH = ThreadLocal.withInitial(() -> new float[256]);

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
        if (tokenTo - tokenFrom > 1) {
            DecodedRowsKernel.multiply(this, x, tokenFrom, tokenTo, y, rowFrom, rowTo);
            return;
        }
        float[] blockScratch = BLOCK_SCRATCH.get();
        int xo = tokenFrom * cols, yo = tokenFrom * rows;
        for (int r = rowFrom; r < rowTo; r++) y[yo + r] = dotRow(r, x, xo, blockScratch);
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
}
