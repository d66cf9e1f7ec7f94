package dev.lorillama.runtime.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Sliced sparse rows hold exactly the non-zero entries of the dense matrix (scaled, rounded to
 * their type), and multiply as the dense matrix does: the vector kernel bit for bit as its plain
 * twin, and both as the dense product within float rounding, on random sparsity patterns with
 * empty rows, full rows, row ranges that cut slices, several tokens and narrow ranks.
 */
class SparseRowsMatrixTest {
    private static final int L = jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.length();

    @Test
    void rowsAndElementsAreTheScaledDenseOnes() {
        Random random = new Random(3);
        FloatArrayMatrix dense = FloatArrayMatrix.of("b", 7, 5, (r, dst) -> {
            for (int c = 0; c < dst.length; c++) dst[c] = random.nextInt(4) == 0 ? (float) random.nextGaussian() : 0f;
        });
        SparseRowsMatrix sparse = SparseRowsMatrix.fromDense(dense, 0.5f);
        float[] row = new float[5], expected = new float[5];
        for (int r = 0; r < 7; r++) {
            dense.readRow(r, expected, 0);
            for (int c = 0; c < 5; c++) {
                expected[c] *= 0.5f;
                assertEquals(expected[c], sparse.get(r, c));
            }
            java.util.Arrays.fill(row, 9f);
            sparse.readRow(r, row, 0);
            assertArrayEquals(expected, row);
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = DType.class, names = {"F32", "BF16", "F16"})
    void multipliesAsTheDenseMatrixOnRandomPatterns(DType dtype) {
        Random random = new Random(17);
        for (int cols : new int[] {1, 5, L, 2 * L + 3, SparseRowsMatrix.MAX_VECTOR_COLS}) {
            for (double density : new double[] {0.0, 0.02, 0.1, 0.3, 1.0}) {
                int rows = 3 * L + 5; // a partial last slice
                FloatArrayMatrix dense = randomPattern(random, rows, cols, density);
                SparseRowsMatrix sparse = SparseRowsMatrix.fromDense(dense, 0.75f, dtype);
                FloatArrayMatrix held = FloatArrayMatrix.of("held", rows, cols, (r, dst) -> sparse.readRow(r, dst, 0));
                checkProducts(random, sparse, sparse::multiplyPlain, held, dtype + " cols " + cols + " density " + density);
            }
        }
    }

    @Test
    void roundsValuesToItsTypeOnce() {
        FloatArrayMatrix dense = FloatArrayMatrix.of("b", 1, 3, (r, dst) -> {
            dst[0] = 1.00390625f; // 1 + 2^-8: between two bf16 values, a tie to even
            dst[2] = 1e-3f;
        });
        assertEquals(1.0f, SparseRowsMatrix.fromDense(dense, 1f, DType.BF16).get(0, 0));
        assertEquals(Float.float16ToFloat(Float.floatToFloat16(1e-3f)), SparseRowsMatrix.fromDense(dense, 1f, DType.F16).get(0, 2));
        assertEquals(1e-3f, SparseRowsMatrix.fromDense(dense, 1f, DType.F32).get(0, 2));
        assertEquals(2, SparseRowsMatrix.fromDense(dense, 1f, DType.F16).nonZeros());
    }

    @Test
    void holdsFewerBytesThanADenseMatrixAtLoriDensity() {
        FloatArrayMatrix dense = randomPattern(new Random(5), 2048, 64, 0.1);
        long denseBf16 = DType.BF16.byteSize(2048L * 64);
        long sparseBf16 = SparseRowsMatrix.fromDense(dense, 1f, DType.BF16).byteSize();
        assertTrue(sparseBf16 < denseBf16 / 2, sparseBf16 + " bytes sparse against " + denseBf16 + " dense");
    }

    @Test
    void warmKernelsAllocateNothing() {
        Random random = new Random(9);
        int cols = SparseRowsMatrix.MAX_VECTOR_COLS, rows = 4 * L + 3, tokens = 3;
        SparseRowsMatrix[] matrices = {
            SparseRowsMatrix.fromDense(randomPattern(random, rows, cols, 0.1), 1f, DType.F32),
            SparseRowsMatrix.fromDense(randomPattern(random, rows, cols, 0.1), 1f, DType.BF16),
            SparseRowsMatrix.fromDense(randomPattern(random, rows, cols, 0.1), 1f, DType.F16)};
        float[] x = new float[tokens * cols], y = new float[tokens * rows];
        for (int i = 0; i < x.length; i++) x[i] = (float) random.nextGaussian();
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long deadline = System.nanoTime() + 30_000_000_000L, allocated;
        do {
            for (int i = 0; i < 20_000; i++) for (SparseRowsMatrix m : matrices) m.multiplyRows(x, 0, tokens, y, i % 3, rows - i % 5);
            long before = threads.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < 1_000; i++) for (SparseRowsMatrix m : matrices) m.multiplyRows(x, 0, tokens, y, i % 3, rows - i % 5);
            allocated = threads.getCurrentThreadAllocatedBytes() - before;
        } while (allocated > 0 && System.nanoTime() < deadline);
        assertEquals(0, allocated, "the sparse kernels still allocate once warm: a vector is boxed somewhere");
    }

    /** Every entry non-zero with probability {@code density}; row 1 empty and row 2 full whatever the density. */
    static FloatArrayMatrix randomPattern(Random random, int rows, int cols, double density) {
        return FloatArrayMatrix.of("b", rows, cols, (r, dst) -> {
            for (int c = 0; c < cols; c++) {
                boolean kept = r == 2 || (r != 1 && random.nextDouble() < density);
                dst[c] = kept ? (float) random.nextGaussian() * 0.01f : 0f;
            }
        });
    }

    /** A kernel's plain twin: one token's product for rows [rowFrom, rowTo). */
    interface PlainTwin {
        void multiply(float[] x, int xo, float[] y, int yo, int rowFrom, int rowTo);
    }

    /**
     * Whole products and products of row ranges that start and end inside a vector's rows, one
     * and several tokens: {@code kernel} bit for bit as {@code plain}, and as the dense {@code held}
     * (the same values as floats) within float rounding; rows outside the range untouched.
     */
    static void checkProducts(Random random, WeightMatrix kernel, PlainTwin plain, FloatArrayMatrix held, String label) {
        int rows = kernel.rows(), cols = kernel.cols(), tokens = 3;
        float[] x = new float[tokens * cols]; // exactly: loads past the last token would fail
        for (int i = 0; i < x.length; i++) x[i] = (float) random.nextGaussian();
        int[][] ranges = {{0, rows}, {1, rows - 1}, {L - 1, L + 1}, {L, 2 * L}, {L, rows}, {rows - 1, rows}, {3, 3}};
        for (int[] range : ranges) {
            if (range[1] > rows || range[0] > range[1]) continue; // for fewer rows than the ranges assume
            for (int[] tokenRange : new int[][] {{0, 1}, {2, 3}, {0, tokens}}) {
                float[] vector = filled(tokens * rows), twin = filled(tokens * rows), reference = filled(tokens * rows);
                kernel.multiplyRows(x, tokenRange[0], tokenRange[1], vector, range[0], range[1]);
                for (int t = tokenRange[0]; t < tokenRange[1]; t++) plain.multiply(x, t * cols, twin, t * rows, range[0], range[1]);
                held.multiplyRows(x, tokenRange[0], tokenRange[1], reference, range[0], range[1]);
                String where = label + " rows " + range[0] + ".." + range[1] + " tokens " + tokenRange[0] + ".." + tokenRange[1];
                assertArrayEquals(twin, vector, where + ": vector kernel against its plain twin");
                for (int i = 0; i < reference.length; i++) {
                    if (Float.isNaN(reference[i])) assertTrue(Float.isNaN(vector[i]), where + ": wrote outside the range at " + i);
                    else assertEquals(reference[i], vector[i], 1e-6f * (1 + Math.abs(reference[i])), where + " at " + i);
                }
            }
        }
    }

    /** NaN everywhere: entries outside the range must stay untouched. */
    private static float[] filled(int n) {
        float[] a = new float[n];
        java.util.Arrays.fill(a, Float.NaN);
        return a;
    }
}
