package dev.lorillama.runtime.tensor;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * A matrix whose elements are stored one by one as some float type (F32, BF16, F16). Subclasses
 * only say how to decode one vector and one scalar; the dot-product loops live here once.
 */
public abstract sealed class FloatStorageMatrix implements WeightMatrix permits F32Matrix, BF16Matrix, F16Matrix {
    protected static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    /** Ints of the same width as {@link #F} (a constant, so the Vector API can intrinsify casts). */
    protected static final VectorSpecies<Integer> I = F.withLanes(int.class);
    /** Shorts of half the width: as many lanes as {@link #F}, for 16-bit float types. */
    protected static final VectorSpecies<Short> HALF_WIDTH_SHORTS =
            VectorSpecies.of(short.class, VectorShape.forBitSize(F.vectorBitSize() / 2));
    /** Tokens processed together against one decoded chunk of weights. */
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

    /**
     * Decodes {@code count} consecutive elements from flat index {@code index} into {@code dst}.
     * Each type's loop lives in its own class, so the JIT sees one type per loop even when
     * several types run in one process (a BF16 base with F32 adapters).
     */
    protected abstract void decode(long index, float[] dst, int count);

    /** Decodes whole vectors with {@link #loadVector}, the tail with {@link #loadScalar}. */
    protected final int decodeVectors(long index, float[] dst, int count) {
        int upper = F.loopBound(count);
        int i = 0;
        for (; i < upper; i += F.length()) loadVector(index + i).intoArray(dst, i);
        for (; i < count; i++) dst[i] = loadScalar(index + i);
        return count;
    }

    /**
     * A row is decoded chunk by chunk into a small buffer that stays in L1, and each chunk is
     * multiplied with every token before the next is decoded: weights are read once per call.
     */
    @Override
    public void multiplyRows(float[] x, int tokenFrom, int tokenTo, float[] y, int rowFrom, int rowTo) {
        Scratch scratch = Scratch.get(tokenTo - tokenFrom);
        float[] chunk = scratch.chunk;
        float[] sums = scratch.sums;
        for (int r = rowFrom; r < rowTo; r++) {
            java.util.Arrays.fill(sums, 0, tokenTo - tokenFrom, 0f);
            long base = (long) r * cols;
            for (int c = 0; c < cols; c += CHUNK) {
                int n = Math.min(CHUNK, cols - c);
                decode(base + c, chunk, n);
                int t = tokenFrom;
                for (; t + TOKEN_GROUP <= tokenTo; t += TOKEN_GROUP) {
                    VectorOps.dot4(chunk, x, t * cols + c, cols, n, sums, t - tokenFrom);
                }
                for (; t < tokenTo; t++) sums[t - tokenFrom] += VectorOps.dot(chunk, 0, x, t * cols + c, n);
            }
            for (int t = tokenFrom; t < tokenTo; t++) y[t * rows + r] = sums[t - tokenFrom];
        }
    }

    /** Elements decoded at a time: 2 KiB of floats, well inside L1. */
    private static final int CHUNK = 512;

    /** Per-thread buffers, so the kernel allocates nothing per call. */
    private static final class Scratch {
        private static final ThreadLocal<Scratch> LOCAL = ThreadLocal.withInitial(Scratch::new);
        final float[] chunk = new float[CHUNK];
        float[] sums = new float[64];

        static Scratch get(int tokens) {
            Scratch s = LOCAL.get();
            if (s.sums.length < tokens) s.sums = new float[tokens];
            return s;
        }
    }
}
