package dev.lorillama.runtime.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** Compressed rows hold exactly the non-zero entries of the dense matrix, scaled. */
class SparseRowsMatrixTest {
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
}
