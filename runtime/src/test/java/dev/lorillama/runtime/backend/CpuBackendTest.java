package dev.lorillama.runtime.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lorillama.runtime.model.RopeLayout;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Each backend kernel against its plain scalar twin, on odd sizes that exercise vector tails. */
class CpuBackendTest {
    private static final CpuBackend BACKEND = new CpuBackend(2);
    private final Random random = new Random(42);

    @AfterAll
    static void close() {
        BACKEND.close();
    }

    private float[] randomArray(int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) random.nextGaussian();
        return a;
    }

    private static void assertClose(float[] expected, float[] actual, double tolerance) {
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            assertTrue(Math.abs(expected[i] - actual[i]) <= tolerance * (1 + Math.abs(expected[i])),
                    "element " + i + ": expected " + expected[i] + " but was " + actual[i]);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 16, 63, 2048 + 5})
    void rmsNormMatchesScalar(int dim) {
        int tokens = 3;
        float[] x = randomArray(tokens * dim), w = randomArray(dim), out = new float[tokens * dim];
        BACKEND.rmsNorm(out, x, w, 1e-5f, tokens, dim);
        assertClose(ScalarReference.rmsNorm(x, w, 1e-5f, tokens, dim), out, 1e-5);
    }

    @Test
    void ropeHalvesMatchesRotateHalfFormula() {
        int tokens = 5, heads = 3, headDim = 16;
        float[] v = randomArray(tokens * heads * headDim), actual = v.clone();
        BACKEND.rope(actual, tokens, heads, 7, new RopeTable(headDim, 64, 10000, null, RopeLayout.HALVES));
        assertClose(ScalarReference.ropeHalves(v, tokens, heads, headDim, 7, 10000), actual, 1e-5);
    }

    @Test
    void ropeInterleavedEqualsHalvesOnPermutedRows() {
        int tokens = 4, heads = 2, headDim = 8, half = headDim / 2;
        float[] hf = randomArray(tokens * heads * headDim);
        float[] interleaved = new float[hf.length];
        // GGUF row order within a head: element 2j holds HF element j, 2j+1 holds HF element j + half.
        for (int base = 0; base < hf.length; base += headDim) {
            for (int j = 0; j < half; j++) {
                interleaved[base + 2 * j] = hf[base + j];
                interleaved[base + 2 * j + 1] = hf[base + j + half];
            }
        }
        BACKEND.rope(hf, tokens, heads, 3, new RopeTable(headDim, 32, 500000, null, RopeLayout.HALVES));
        BACKEND.rope(interleaved, tokens, heads, 3, new RopeTable(headDim, 32, 500000, null, RopeLayout.INTERLEAVED));
        for (int base = 0; base < hf.length; base += headDim) {
            for (int j = 0; j < half; j++) {
                assertEquals(hf[base + j], interleaved[base + 2 * j], 1e-6);
                assertEquals(hf[base + j + half], interleaved[base + 2 * j + 1], 1e-6);
            }
        }
    }

    /** Head sizes below, at and past four vectors (the weighted sum's register block) and position counts past a vector (the vector exp). */
    @ParameterizedTest
    @CsvSource({"0, 20", "5, 20", "37, 64", "37, 72", "3, 128", "60, 136"})
    void groupedQueryAttentionMatchesScalar(int startPos, int headDim) {
        int tokens = 4, heads = 6, kvHeads = 2;
        int positions = startPos + tokens;
        float[] q = randomArray(tokens * heads * headDim);
        float[] keys = randomArray(positions * kvHeads * headDim), values = randomArray(positions * kvHeads * headDim);
        float[] out = new float[tokens * heads * headDim];
        BACKEND.attention(out, q, keys, values, tokens, startPos, heads, kvHeads, headDim);
        assertClose(ScalarReference.attention(q, keys, values, tokens, startPos, heads, kvHeads, headDim), out, 1e-5);
    }

    @Test
    void attentionIsCausal() {
        int heads = 2, kvHeads = 1, headDim = 8;
        float[] q = randomArray(2 * heads * headDim), keys = randomArray(2 * headDim), values = randomArray(2 * headDim);
        float[] out = new float[q.length];
        BACKEND.attention(out, q, keys, values, 2, 0, heads, kvHeads, headDim);
        // The first token sees only itself: its output is exactly the first value row.
        for (int i = 0; i < headDim; i++) assertEquals(values[i], out[i], 1e-6);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 15, 17, 40000})
    void swigluMatchesScalar(int n) {
        float[] gate = randomArray(n), up = randomArray(n), expected = ScalarReference.swiglu(gate, up);
        BACKEND.swiglu(gate, up, n);
        assertClose(expected, gate, 1e-5);
    }
}
