package dev.lorillama.runtime.tensor;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * A matrix whose elements are stored one by one as some float type (F32, BF16, F16). Subclasses
 * only say how to decode one vector and one scalar; the dot-product loops live here once.
 */
public abstract sealed class FloatStorageMatrix implements WeightMatrix permits F32Matrix, BF16Matrix, F16Matrix {
    protected static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    /** Ints with as many lanes as {@link #F}. A constant: a species computed per call defeats the intrinsics. */
    protected static final VectorSpecies<Integer> I = F.withLanes(int.class);
    /** Tokens processed together against one loaded weight vector. */
    private static final int TOKEN_GROUP = 4;

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
    public void multiplyRows(float[] x, int tokenFrom, int tokenTo, float[] y, int rowFrom, int rowTo) {
        for (int r = rowFrom; r < rowTo; r++) {
            int t = tokenFrom;
            for (; t + TOKEN_GROUP <= tokenTo; t += TOKEN_GROUP) dot4(r, x, t, y);
            for (; t < tokenTo; t++) y[t * rows + r] = dot1(r, x, t * cols);
        }
    }

    private float dot1(int row, float[] x, int xOffset) {
        long base = (long) row * cols;
        int upper = F.loopBound(cols);
        FloatVector acc = FloatVector.zero(F);
        int c = 0;
        for (; c < upper; c += F.length()) {
            acc = loadVector(base + c).fma(FloatVector.fromArray(F, x, xOffset + c), acc);
        }
        float sum = acc.reduceLanes(VectorOperators.ADD);
        for (; c < cols; c++) sum += loadScalar(base + c) * x[xOffset + c];
        return sum;
    }

    /** Four tokens against one row: each weight vector is decoded once and used four times. */
    private void dot4(int row, float[] x, int t, float[] y) {
        long base = (long) row * cols;
        int o0 = t * cols, o1 = o0 + cols, o2 = o1 + cols, o3 = o2 + cols;
        int upper = F.loopBound(cols);
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        int c = 0;
        for (; c < upper; c += F.length()) {
            FloatVector w = loadVector(base + c);
            a0 = w.fma(FloatVector.fromArray(F, x, o0 + c), a0);
            a1 = w.fma(FloatVector.fromArray(F, x, o1 + c), a1);
            a2 = w.fma(FloatVector.fromArray(F, x, o2 + c), a2);
            a3 = w.fma(FloatVector.fromArray(F, x, o3 + c), a3);
        }
        float s0 = a0.reduceLanes(VectorOperators.ADD), s1 = a1.reduceLanes(VectorOperators.ADD);
        float s2 = a2.reduceLanes(VectorOperators.ADD), s3 = a3.reduceLanes(VectorOperators.ADD);
        for (; c < cols; c++) {
            float w = loadScalar(base + c);
            s0 += w * x[o0 + c];
            s1 += w * x[o1 + c];
            s2 += w * x[o2 + c];
            s3 += w * x[o3 + c];
        }
        y[t * rows + row] = s0;
        y[(t + 1) * rows + row] = s1;
        y[(t + 2) * rows + row] = s2;
        y[(t + 3) * rows + row] = s3;
    }
}
