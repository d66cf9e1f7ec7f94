package dev.lorillama.runtime.tensor;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * A matrix whose elements are stored one by one as some float type (F32, BF16, F16). Each format
 * writes its own vector loops ({@link #dotVectors}, {@link #decodeVectors}), for the reason
 * given in {@link BlockQuantizedMatrix}: a loop shared here calling a per-format decode would
 * lose the JIT's inlining as soon as two formats ran in one process (BF16 decode fell from 30 to
 * 10 GB/s). Tails past the last whole vector and prefill ({@link DecodedRowsKernel}) are shared.
 */
public abstract sealed class FloatStorageMatrix extends StoredMatrix permits F32Matrix, BF16Matrix, F16Matrix {
    protected static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    /** Ints with as many lanes as {@link #F}. A constant: a species computed per call defeats the intrinsics. */
    protected static final VectorSpecies<Integer> I = F.withLanes(int.class);
    /** Shorts with as many lanes as {@link #F} (half its width): 16-bit floats widen into one float vector. */
    protected static final VectorSpecies<Short> HALF_WIDTH_SHORTS = VectorSpecies.of(short.class, VectorShape.forBitSize(F.vectorBitSize() / 2));

    protected FloatStorageMatrix(String name, DType dtype, MemorySegment data, int rows, int cols) {
        super(name, dtype, data, rows, cols);
    }

    /**
     * Σ W[index + i] · x[xo + i] for {@code i < length}, a multiple of the vector length. Two
     * vectors per step, each into its own pair of accumulators taking turns, so consecutive FMAs
     * do not wait for each other's result (one chain allowed one vector per FMA latency, ~22 GB/s
     * of F16 per thread). Two decodes per loop body, not four: the JIT stops inlining once a
     * method's graph grows past a limit, and four written-out F16 decodes crossed it (a vector
     * left in a call is boxed; 9 GB/s). Against one decode per step with four accumulators
     * rotating, 2 threads reading 32 matrices of 2048×2048 from memory: BF16 36 → 45, F16 35 →
     * 43, F32 41 → 43 GB/s. The FMA's receiver is the activation vector: a vector made by a
     * reinterpretation was, in some compilations, not known to be of the species' exact class,
     * and an operation on it then ran without intrinsics.
     */
    protected abstract float dotVectors(long index, float[] x, int xo, int length);

    /**
     * Four consecutive rows at once, for long rows ({@link #LONG_ROW}): {@code y[yo + k] =} Σ
     * W[index + k·cols + i] · x[xo + i] for {@code k < 4, i < length}, a multiple of the vector
     * length. Each activation vector is loaded once for four rows, so they are reloaded from L2
     * once per four rows instead of every row (F16 2048×8192, 2 threads from memory: 27 → 36
     * GB/s); the float activations stay exact (rounding them to bf16 as Q8_0 does would lose
     * more than the 16-bit weights do). Four streams per thread, not shorter ones: walking the
     * rows in column chunks instead was slower (18 GB/s), as it was for Q8_0.
     */
    protected abstract void dotFourRows(long index, float[] x, int xo, int length, float[] y, int yo);

    /** Decodes elements {@code [index, index + length)} into {@code dst[at ..]}; length is a multiple of the vector length. */
    protected abstract void decodeVectors(long index, float[] dst, int at, int length);

    /** Decodes the element at flat index {@code index}. */
    protected abstract float loadScalar(long index);

    @Override
    public final float get(int row, int col) {
        return loadScalar((long) row * cols + col);
    }

    @Override
    public final void readRow(int row, float[] dst, int offset) {
        long base = (long) row * cols;
        int upper = F.loopBound(cols);
        decodeVectors(base, dst, offset, upper);
        for (int c = upper; c < cols; c++) dst[offset + c] = loadScalar(base + c);
    }

    @Override
    protected final void dotRows(float[] x, int xo, float[] y, int yo, int rowFrom, int rowTo) {
        int r = rowFrom;
        if (cols > LONG_ROW) {
            int upper = F.loopBound(cols);
            for (; r + 4 <= rowTo; r += 4) {
                dotFourRows((long) r * cols, x, xo, upper, y, yo + r);
                for (int k = 0; k < 4; k++) y[yo + r + k] += scalarTail(r + k, x, xo, upper);
            }
        }
        for (; r < rowTo; r++) y[yo + r] = rowDot(r, x, xo);
    }

    @Override
    protected final float rowDot(int row, float[] x, int xo) {
        long base = (long) row * cols;
        int upper = F.loopBound(cols);
        return dotVectors(base, x, xo, upper) + scalarTail(row, x, xo, upper);
    }

    /** Columns {@code from ..} of the row, past the last whole vector, element by element. */
    private float scalarTail(int row, float[] x, int xo, int from) {
        long base = (long) row * cols;
        float sum = 0;
        for (int c = from; c < cols; c++) sum += loadScalar(base + c) * x[xo + c];
        return sum;
    }
}
