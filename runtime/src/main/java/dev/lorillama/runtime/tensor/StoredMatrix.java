package dev.lorillama.runtime.tensor;

import java.lang.foreign.MemorySegment;

/**
 * A weight matrix stored as bytes in some {@link DType} (usually a slice of a memory-mapped file):
 * its name, type and shape, the check that the bytes fit them, and the two ways it is multiplied.
 * Prefill (several tokens) decodes rows once and runs the tokens past them
 * ({@link DecodedRowsKernel}); decode (one token) asks the format for each row's dot product,
 * which it computes without decoding to memory.
 */
public abstract sealed class StoredMatrix implements WeightMatrix permits BlockQuantizedMatrix, FloatStorageMatrix {
    protected final String name;
    protected final DType dtype;
    protected final MemorySegment data;
    protected final int rows;
    protected final int cols;
    /**
     * Rows wider than this get a decode kernel of their own (per format family). An 8192-wide
     * row's float activations (32 KB) do not stay in the 48 KB L1 while the weights stream
     * through it, and reloading them from L2 for every row cost half the speed: F16 2048×8192
     * from memory ran at 28 GB/s against 46 with the same work on 16 KB of activations.
     */
    static final int LONG_ROW = 4096;

    protected StoredMatrix(String name, DType dtype, MemorySegment data, int rows, int cols) {
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
        this.data = oneSegmentClass(data);
        this.rows = rows;
        this.cols = cols;
    }

    /**
     * The same memory as a plain native segment when it is a mapped one (same scope, still read-only):
     * weights lie in mapped files and in memory (merged adapters, anonymous copies) in one process,
     * and every vector load in a kernel checks its segment through calls that the JIT then
     * compiles for both classes. That made the kernels' graphs larger — Q5_1's passed the JIT's
     * node budget, so a force-inlined helper stayed a call and boxed its vector — and the code
     * slower. (A restricted method: the JVM wants --enable-native-access, as chat.jar passes it.)
     */
    private static MemorySegment oneSegmentClass(MemorySegment data) {
        return data.isNative() ? data.reinterpret(data.byteSize()) : data;
    }

    /** Row {@code row} · {@code x[xo .. xo+cols)}. */
    protected abstract float rowDot(int row, float[] x, int xo);

    @Override
    public final void multiplyRows(float[] x, int tokenFrom, int tokenTo, float[] y, int rowFrom, int rowTo) {
        if (tokenTo - tokenFrom > 1) {
            DecodedRowsKernel.multiply(this, x, tokenFrom, tokenTo, y, rowFrom, rowTo);
            return;
        }
        dotRows(x, tokenFrom * cols, y, tokenFrom * rows, rowFrom, rowTo);
    }

    /** Decode: {@code y[yo + r] = rowDot(r, x, xo)} for rows [rowFrom, rowTo). */
    protected void dotRows(float[] x, int xo, float[] y, int yo, int rowFrom, int rowTo) {
        for (int r = rowFrom; r < rowTo; r++) y[yo + r] = rowDot(r, x, xo);
    }

    @Override
    public final void multiplyTokens(float[] x, float[] lanes, int lanesOffset, int tokenFrom, int tokens, float[] y, int rowFrom, int rowTo) {
        if (tokens > 1) DecodedRowsKernel.multiplyLanes(this, lanes, lanesOffset, tokenFrom, tokens, y, rowFrom, rowTo);
        else multiplyRows(x, tokenFrom, tokenFrom + 1, y, rowFrom, rowTo);
    }

    @Override
    public final boolean readsTokenLanes() {
        return true;
    }

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
    public final String describe() {
        return name + " " + dtype + " [" + rows + ", " + cols + "]";
    }
}
