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
 * {@code blockBytes}, each block holding its scales and packed integers. A subclass only says
 * how to decode one vector-wide part of a block ({@link #part}), the block's common scale
 * ({@link #blockScale}) and, plainly, one element ({@link #decodeScalar}); the loops over rows,
 * blocks and tokens live here once.
 *
 * <p>Decode (one token) is fused: each part is dequantized in registers and multiplied with the
 * activations, and the block's sum is scaled once, so weights stream from memory exactly once
 * and never land in an array. (Running four rows together to share the activation loads measured
 * no faster here.) Prefill (several tokens) decodes rows once into floats and runs the token
 * block past them ({@link DecodedRowsKernel}).
 */
public abstract sealed class BlockQuantizedMatrix implements WeightMatrix
        permits Q8_0Matrix, Q4_0Matrix, Q4KMatrix, Q6KMatrix {
    /**
     * Float lanes of the kernels: the preferred width, kept between 8 and 16 lanes so that a part
     * (8 or 16 values) divides every block and one byte per lane still makes a vector shape.
     */
    protected static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED.length() > 16 ? FloatVector.SPECIES_512
            : FloatVector.SPECIES_PREFERRED.length() < 8 ? FloatVector.SPECIES_256 : FloatVector.SPECIES_PREFERRED;
    /** Bytes with as many lanes as {@link #F}: one byte per weight widens into one float vector. */
    protected static final VectorSpecies<Byte> B = VectorSpecies.of(byte.class, VectorShape.forBitSize(F.length() * 8));
    protected static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    protected static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

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

    /**
     * Elements {@code [part·L, part·L + L)} of the block at byte {@code offset} (L = lanes of
     * {@link #F}), decoded except for the factor {@link #blockScale} common to the whole block.
     */
    protected abstract FloatVector part(long offset, int part);

    /**
     * Values per block, as a constant of the subclass: once inlined, loops over the parts of a
     * block have a known trip count and unroll completely (a field here halves the speed).
     */
    protected abstract int blockElements();

    /** Bytes per block, as a constant of the subclass (see {@link #blockElements}). */
    protected abstract int blockBytes();

    /** The factor every element of the block is multiplied by (1 where scales are per part). */
    protected abstract float blockScale(long offset);

    /** Element {@code i} of the block at byte {@code offset}, decoded one by one as the format spec says. */
    protected abstract float decodeScalar(long offset, int i);

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
        long block = row * rowBytes;
        int at = offset;
        for (int b = 0; b < blocksPerRow; b++, block += blockBytes()) {
            FloatVector scale = FloatVector.broadcast(F, blockScale(block));
            for (int p = 0; p < blockElements() / F.length(); p++, at += F.length()) part(block, p).mul(scale).intoArray(dst, at);
        }
    }

    @Override
    public void multiplyRows(float[] x, int tokenFrom, int tokenTo, float[] y, int rowFrom, int rowTo) {
        if (tokenTo - tokenFrom > 1) {
            DecodedRowsKernel.multiply(this, x, tokenFrom, tokenTo, y, rowFrom, rowTo);
            return;
        }
        int xo = tokenFrom * cols, yo = tokenFrom * rows;
        for (int r = rowFrom; r < rowTo; r++) y[yo + r] = dotRow(r, x, xo);
    }

    /**
     * Even and odd blocks go to two accumulators: with one, every block waited for the previous
     * block's FMA (4 cycles), which capped a thread at about 13 GB/s of Q8_0; with two, ~25.
     */
    private float dotRow(int row, float[] x, int xo) {
        long offset = row * rowBytes;
        int bytes = blockBytes(), step = blockElements();
        FloatVector even = FloatVector.zero(F), odd = even;
        int b = 0;
        for (; b + 2 <= blocksPerRow; b += 2, offset += 2L * bytes, xo += 2 * step) {
            even = blockDot(offset, x, xo, even);
            odd = blockDot(offset + bytes, x, xo + step, odd);
        }
        if (b < blocksPerRow) even = blockDot(offset, x, xo, even);
        return even.add(odd).reduceLanes(VectorOperators.ADD);
    }

    /** {@code acc} + (block · x[xo ..]) in lanes: the parts' products summed, then scaled once. */
    private FloatVector blockDot(long offset, float[] x, int xo, FloatVector acc) {
        FloatVector sum = part(offset, 0).mul(FloatVector.fromArray(F, x, xo));
        for (int p = 1; p < blockElements() / F.length(); p++) {
            sum = part(offset, p).fma(FloatVector.fromArray(F, x, xo + p * F.length()), sum);
        }
        return sum.fma(FloatVector.broadcast(F, blockScale(offset)), acc);
    }
}
