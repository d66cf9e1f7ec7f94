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
        BACKEND.rope(actual, tokens, heads, from(7, tokens), new RopeTable(headDim, 64, 10000, null, RopeLayout.HALVES));
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
        BACKEND.rope(hf, tokens, heads, from(3, tokens), new RopeTable(headDim, 32, 500000, null, RopeLayout.HALVES));
        BACKEND.rope(interleaved, tokens, heads, from(3, tokens), new RopeTable(headDim, 32, 500000, null, RopeLayout.INTERLEAVED));
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
        BACKEND.attention(out, q, tokens, from(startPos, tokens), same(keys, tokens), same(values, tokens), heads, kvHeads, headDim);
        assertClose(ScalarReference.attention(q, keys, values, tokens, startPos, heads, kvHeads, headDim), out, 1e-5);
    }

    @Test
    void attentionIsCausal() {
        int heads = 2, kvHeads = 1, headDim = 8;
        float[] q = randomArray(2 * heads * headDim), keys = randomArray(2 * headDim), values = randomArray(2 * headDim);
        float[] out = new float[q.length];
        BACKEND.attention(out, q, 2, from(0, 2), same(keys, 2), same(values, 2), heads, kvHeads, headDim);
        // The first token sees only itself: its output is exactly the first value row.
        for (int i = 0; i < headDim; i++) assertEquals(values[i], out[i], 1e-6);
    }

    /** Positions startPos, startPos + 1, ... for tokens of one sequence. */
    private static int[] from(int startPos, int tokens) {
        int[] p = new int[tokens];
        for (int t = 0; t < tokens; t++) p[t] = startPos + t;
        return p;
    }

    private static float[][] same(float[] cache, int tokens) {
        float[][] each = new float[tokens][];
        java.util.Arrays.fill(each, cache);
        return each;
    }

    @Test
    void ropeTurnsEachRowByItsOwnPosition() {
        int heads = 2, headDim = 16;
        RopeTable table = new RopeTable(headDim, 64, 10000, null, RopeLayout.HALVES);
        float[] a = randomArray(heads * headDim), b = randomArray(heads * headDim);
        float[] both = new float[a.length + b.length];
        System.arraycopy(a, 0, both, 0, a.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        BACKEND.rope(both, 2, heads, new int[] {30, 4}, table);
        assertClose(ScalarReference.ropeHalves(a, 1, heads, headDim, 30, 10000), java.util.Arrays.copyOfRange(both, 0, a.length), 1e-5);
        assertClose(ScalarReference.ropeHalves(b, 1, heads, headDim, 4, 10000), java.util.Arrays.copyOfRange(both, a.length, both.length), 1e-5);
    }

    /** Rows of two sequences in one call: each attends over its own cache up to its own position, exactly as alone. */
    @Test
    void attentionOfSeveralSequencesReadsEachRowsOwnCache() {
        int heads = 4, kvHeads = 2, headDim = 24, kvStride = kvHeads * headDim;
        float[] cacheA = randomArray(9 * kvStride), cacheAv = randomArray(9 * kvStride);
        float[] cacheB = randomArray(3 * kvStride), cacheBv = randomArray(3 * kvStride);
        float[] qA = randomArray(2 * heads * headDim), qB = randomArray(heads * headDim);
        float[] q = new float[qA.length + qB.length];
        System.arraycopy(qA, 0, q, 0, qA.length);
        System.arraycopy(qB, 0, q, qA.length, qB.length);
        float[] out = new float[q.length];
        BACKEND.attention(out, q, 3, new int[] {7, 8, 2}, new float[][] {cacheA, cacheA, cacheB},
                new float[][] {cacheAv, cacheAv, cacheBv}, heads, kvHeads, headDim);
        float[] aloneA = new float[qA.length], aloneB = new float[qB.length];
        BACKEND.attention(aloneA, qA, 2, from(7, 2), same(cacheA, 2), same(cacheAv, 2), heads, kvHeads, headDim);
        BACKEND.attention(aloneB, qB, 1, from(2, 1), same(cacheB, 1), same(cacheBv, 1), heads, kvHeads, headDim);
        org.junit.jupiter.api.Assertions.assertArrayEquals(aloneA, java.util.Arrays.copyOfRange(out, 0, qA.length));
        org.junit.jupiter.api.Assertions.assertArrayEquals(aloneB, java.util.Arrays.copyOfRange(out, qA.length, q.length));
        assertClose(ScalarReference.attention(qB, cacheB, cacheBv, 1, 2, heads, kvHeads, headDim), aloneB, 1e-5);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 15, 17, 40000})
    void swigluMatchesScalar(int n) {
        float[] gate = randomArray(n), up = randomArray(n), expected = ScalarReference.swiglu(gate, up);
        BACKEND.swiglu(gate, up, n);
        assertClose(expected, gate, 1e-5);
    }
}
