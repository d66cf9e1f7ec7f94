package dev.lorillama.runtime.tensor;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * A matrix whose elements are stored one by one as some float type (F32, BF16, F16). Subclasses
 * only say how to decode one vector and one scalar; the decode dot product lives here once, and
 * prefill goes through {@link DecodedRowsKernel} like every format.
 */
public abstract sealed class FloatStorageMatrix implements WeightMatrix permits F32Matrix, BF16Matrix, F16Matrix {
    protected static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    /** Ints with as many lanes as {@link #F}. A constant: a species computed per call defeats the intrinsics. */
    protected static final VectorSpecies<Integer> I = F.withLanes(int.class);

    protected final String name;
    protected final MemorySegment data;
    protected final int rows;
    protected final int cols;
    private final DType dtype;

    protected FloatStorageMatrix(String name, DType dtype, MemorySegment data, int rows, int cols) {
        long expected = (long) rows * cols * dtype.bytesPerElement();
        if (data.byteSize() != expected) {
            throw new IllegalArgumentException(name + ": " + data.byteSize() + " bytes for a " + rows + "x" + cols
                    + " " + dtype + " matrix, expected " + expected);
        }
        this.name = name;
        this.dtype = dtype;
        this.data = data;
        this.rows = rows;
        this.cols = cols;
    }

    /** Decodes {@code F.length()} consecutive elements starting at flat element index {@code index}. */
    protected abstract FloatVector loadVector(long index);

    /** Decodes the element at flat index {@code index}. */
    protected abstract float loadScalar(long index);

    /** The stored bytes (a slice of a mapped file, or memory of merged weights). */
    public final MemorySegment data() {
        return data;
    }

    /** The element type the weights are stored in. */
    public final DType dtype() {
        return dtype;
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

    @Override
    public String describe() {
        return name + " " + dtype + " [" + rows + ", " + cols + "]";
    }

    @Override
    public final float get(int row, int col) {
        return loadScalar((long) row * cols + col);
    }

    @Override
    public void readRow(int row, float[] dst, int offset) {
        long base = (long) row * cols;
        int upper = F.loopBound(cols), c = 0;
        for (; c < upper; c += F.length()) loadVector(base + c).intoArray(dst, offset + c);
        for (; c < cols; c++) dst[offset + c] = loadScalar(base + c);
    }

    @Override
    public void multiplyRows(float[] x, int tokenFrom, int tokenTo, float[] y, int rowFrom, int rowTo) {
        if (tokenTo - tokenFrom > 1) {
            DecodedRowsKernel.multiply(this, x, tokenFrom, tokenTo, y, rowFrom, rowTo);
            return;
        }
        for (int r = rowFrom; r < rowTo; r++) y[tokenFrom * rows + r] = dot1(r, x, tokenFrom * cols);
    }

    /**
     * One row against one token with four accumulators, so consecutive FMAs do not wait for each
     * other's result (one chain allowed one vector per FMA latency, ~22 GB/s of F16 per thread).
     */
    private float dot1(int row, float[] x, int xOffset) {
        long base = (long) row * cols;
        int step = F.length(), upper = F.loopBound(cols), upper4 = cols - cols % (4 * step);
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        int c = 0;
        for (; c < upper4; c += 4 * step) {
            a0 = loadVector(base + c).fma(FloatVector.fromArray(F, x, xOffset + c), a0);
            a1 = loadVector(base + c + step).fma(FloatVector.fromArray(F, x, xOffset + c + step), a1);
            a2 = loadVector(base + c + 2 * step).fma(FloatVector.fromArray(F, x, xOffset + c + 2 * step), a2);
            a3 = loadVector(base + c + 3 * step).fma(FloatVector.fromArray(F, x, xOffset + c + 3 * step), a3);
        }
        for (; c < upper; c += step) a0 = loadVector(base + c).fma(FloatVector.fromArray(F, x, xOffset + c), a0);
        float sum = a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
        for (; c < cols; c++) sum += loadScalar(base + c) * x[xOffset + c];
        return sum;
    }
}
