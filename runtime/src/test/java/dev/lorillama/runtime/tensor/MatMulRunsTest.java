package dev.lorillama.runtime.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A product over the runs of a batch (MatMul with {@link RowRuns}) gives every run exactly what
 * the same product gives it alone: prompt chunks next to each other, which go through the
 * prefill kernel as one piece (sharing blocks of {@link TokenLanes#WIDTH} tokens across runs),
 * chunks apart from each other, and decoding rows between them.
 */
class MatMulRunsTest {
    /** Rows of each run: chunks merged across a block boundary (5 + 40 + 3), a decode row, a lone chunk, decode rows. */
    private static final int[] RUNS = {5, 40, 3, 1, 2, 1, 1, 33};

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = DType.class, names = {"F32", "BF16", "F16", "Q8_0", "Q4_0", "Q4_K", "Q6_K"})
    void everyRunOfABatchGetsWhatItGetsAlone(DType type) {
        int rows = 83, cols = 512;
        WeightMatrix w = RandomBlocks.matrix(type, rows, cols, 31L * type.ordinal() + 7);
        RowRuns runs = new RowRuns();
        for (int length : RUNS) runs.add(length);
        int total = runs.rows();
        Random random = new Random(type.ordinal());
        float[] x = new float[total * cols];
        for (int i = 0; i < x.length; i++) x[i] = (float) random.nextGaussian();
        try (WorkerPool pool = new WorkerPool(2)) {
            MatMul matMul = new MatMul(pool);
            float[] together = new float[total * rows];
            matMul.multiply(w, x, runs, 0, runs.count(), together);
            for (int r = 0; r < runs.count(); r++) {
                int start = runs.start(r), length = runs.length(r);
                float[] own = new float[length * cols], alone = new float[length * rows];
                System.arraycopy(x, start * cols, own, 0, own.length);
                matMul.multiply(w, own, length, alone);
                for (int t = 0; t < length; t++) {
                    for (int o = 0; o < rows; o++) {
                        float a = alone[t * rows + o], b = together[(start + t) * rows + o];
                        String where = type + " run " + r + " (" + length + " rows) token " + t + " row " + o;
                        // Prefill lanes sum alone in a fixed order: the same bits. A decode row's vector
                        // sums may be reduced in another lane order by code compiled apart (C1 against C2).
                        if (length > 1) assertEquals(Float.floatToIntBits(a), Float.floatToIntBits(b), where + ": " + a + " vs " + b);
                        else assertEquals(a, b, 1e-5f * (1 + Math.abs(a)), where);
                    }
                }
            }
        }
    }
}
