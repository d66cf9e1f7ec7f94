package dev.lorillama.runtime.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.management.ManagementFactory;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A dense B in tiles multiplies as the row-major matrix of the same values: the vector kernel bit
 * for bit as its plain twin, both as the dense product within float rounding, over row ranges
 * that cut tiles and groups of four tiles, several tokens, narrow and wide ranks.
 */
class NarrowMatrixTest {
    private static final int L = jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.length();

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = DType.class, names = {"F32", "BF16", "F16"})
    void multipliesAsTheRowMajorMatrix(DType dtype) {
        Random random = new Random(23);
        for (int cols : new int[] {1, 7, 64, 130}) {
            for (int rows : new int[] {3, 5 * L + 3, 9 * L}) {
                NarrowMatrix tiled = NarrowMatrix.of(SparseRowsMatrixTest.randomPattern(random, rows, cols, 1.0), dtype);
                FloatArrayMatrix held = FloatArrayMatrix.of("held", rows, cols, (r, dst) -> {
                    for (int c = 0; c < cols; c++) dst[c] = tiled.get(r, c);
                });
                SparseRowsMatrixTest.checkProducts(random, tiled, tiled::multiplyPlain, held, dtype + " " + rows + "x" + cols);
            }
        }
    }

    @Test
    void valuesAreRoundedToTheirTypeOnce() {
        FloatArrayMatrix dense = FloatArrayMatrix.of("b", 2, 2, (r, dst) -> {
            dst[0] = 1.00390625f; // 1 + 2^-8: a tie, to even
            dst[1] = 1e-3f;
        });
        assertEquals(1.0f, NarrowMatrix.of(dense, DType.BF16).get(1, 0));
        assertEquals(Float.float16ToFloat(Float.floatToFloat16(1e-3f)), NarrowMatrix.of(dense, DType.F16).get(0, 1));
        assertEquals(1.00390625f, NarrowMatrix.of(dense, DType.F32).get(0, 0));
        assertEquals(DType.BF16.byteSize(L * 2L), NarrowMatrix.of(dense, DType.BF16).byteSize(), "one tile of two columns");
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = DType.class, names = {"F32", "BF16", "F16"})
    void warmKernelsAllocateNothing(DType dtype) {
        Random random = new Random(29);
        int cols = 64, rows = 9 * L + 3, tokens = 3;
        NarrowMatrix[] matrices = {NarrowMatrix.of(SparseRowsMatrixTest.randomPattern(random, rows, cols, 1.0), dtype)};
        float[] x = new float[tokens * cols], y = new float[tokens * rows];
        for (int i = 0; i < x.length; i++) x[i] = (float) random.nextGaussian();
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long deadline = System.nanoTime() + 30_000_000_000L, allocated;
        do {
            for (int i = 0; i < 20_000; i++) for (NarrowMatrix m : matrices) m.multiplyRows(x, 0, tokens, y, i % 3, rows - i % 5);
            long before = threads.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < 1_000; i++) for (NarrowMatrix m : matrices) m.multiplyRows(x, 0, tokens, y, i % 3, rows - i % 5);
            allocated = threads.getCurrentThreadAllocatedBytes() - before;
        } while (allocated > 0 && System.nanoTime() < deadline);
        assertEquals(0, allocated, dtype + " tiled kernel still allocates once warm: a vector is boxed somewhere");
    }
}
