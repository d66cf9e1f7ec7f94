package dev.lorillama.runtime.tensor;

/**
 * Where the narrow adapter kernels ({@link NarrowMatrix}, {@link SparseRowsMatrix}) put a vector
 * of rows that the requested row range cuts: stored whole into a per-thread buffer, then only
 * the rows in range copied out (other threads may be writing the rest). Masked vector stores
 * did that too, but once both kernels ran in one process their masks were allocated on the heap
 * (NarrowMatrixTest's allocation check), so the kernels use no masks at all.
 */
final class EdgeTiles {
    private static final int L = HalfFloats.F.length();
    /** Where in the buffer a zero-padded copy of z (4 vectors) may go, past four vectors of rows. */
    static final int PADDED_Z = 4 * L;
    private static final ThreadLocal<float[]> BUFFER = ThreadLocal.withInitial(() -> new float[8 * L]);

    private EdgeTiles() {}

    /** This thread's buffer: four vectors of rows, then room for a padded z. */
    static float[] buffer() {
        return BUFFER.get();
    }

    /** {@code y[yo + first + i] = edge[i]} for {@code i < n} where {@code rowFrom <= first + i < rowTo}. */
    static void store(float[] edge, int n, float[] y, int yo, int first, int rowFrom, int rowTo) {
        for (int r = Math.max(first, rowFrom), end = Math.min(first + n, rowTo); r < end; r++) y[yo + r] = edge[r - first];
    }
}
