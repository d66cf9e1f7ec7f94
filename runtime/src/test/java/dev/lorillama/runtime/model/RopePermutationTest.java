package dev.lorillama.runtime.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The q/k row permutation is llama.cpp's reshape(heads, 2, hd/2, ...).swapaxes(1, 2). */
class RopePermutationTest {

    @Test
    void ggufRowsPairElementIWithIPlusHalf() {
        // Two heads of 8: GGUF order is (0,4,1,5,2,6,3,7) within each head.
        int[] expected = {0, 4, 1, 5, 2, 6, 3, 7, 8, 12, 9, 13, 10, 14, 11, 15};
        for (int r = 0; r < expected.length; r++) assertEquals(expected[r], RopePermutation.hfRowOf(r, 8));
    }

    @Test
    void permutingLoraBEqualsPermutingTheMergedWeight() {
        int heads = 3, headDim = 6, out = heads * headDim, in = 5, rank = 2;
        Random random = new Random(4);
        float[] w = randoms(random, out * in), b = randoms(random, out * rank), a = randoms(random, rank * in);
        float[] merged = w.clone();
        addProduct(merged, b, a, out, rank, in);
        float[] expected = RopePermutation.hfToGgufRows(merged, out, in, headDim);
        float[] actual = RopePermutation.hfToGgufRows(w, out, in, headDim);
        addProduct(actual, RopePermutation.hfToGgufRows(b, out, rank, headDim), a, out, rank, in);
        assertArrayEquals(expected, actual, 1e-6f);
    }

    private static void addProduct(float[] y, float[] b, float[] a, int out, int rank, int in) {
        for (int o = 0; o < out; o++) {
            for (int i = 0; i < in; i++) {
                float s = 0;
                for (int k = 0; k < rank; k++) s += b[o * rank + k] * a[k * in + i];
                y[o * in + i] += s;
            }
        }
    }

    private static float[] randoms(Random random, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) random.nextGaussian();
        return v;
    }
}
