package dev.lorillama.runtime.tensor;

/**
 * Sums of the activations over the groups that share a weight scale, taken once per decode call
 * for all rows: a format whose weights are {@code scale·q − min} (Q4_K, Q5_K) or
 * {@code scale·(q − bias)} (Q6_K) applies the min or bias to each group's sum instead of to
 * every weight, one vector operation fewer per 16 weights. The arrays are per thread, valid
 * until the thread's next call, so warm kernels allocate nothing.
 */
final class ActivationSums {
    private static final ThreadLocal<float[]> SUMS = ThreadLocal.withInitial(() -> new float[0]);
    private static final ThreadLocal<float[]> SCALES = ThreadLocal.withInitial(() -> new float[0]);

    private ActivationSums() {}

    /**
     * Sums of {@code x[xo .. xo+cols)} over each sub-block of 32, laid out like
     * {@link KScaleMins#unpackAll}'s bytes: for each super-block of 256, 8 zeros (facing the
     * scales) then its 8 sums (facing the mins), so one lane-wise product with the unpacked
     * bytes gives Σ min·sum.
     */
    static float[] facingMins(float[] x, int xo, int cols) {
        float[] sums = sums(cols / 256 * KScaleMins.UNPACKED);
        facingMins(x, xo, cols, sums, 0);
        return sums;
    }

    /** {@link #facingMins} of two tokens (at {@code xa} and {@code xb}), the second's from index {@link #facingMinsLength}. */
    static float[] facingMins(float[] x, int xa, int xb, int cols) {
        float[] sums = sums(2 * facingMinsLength(cols));
        facingMins(x, xa, cols, sums, 0);
        facingMins(x, xb, cols, sums, facingMinsLength(cols));
        return sums;
    }

    /** The length of {@link #facingMins} for rows of {@code cols}. */
    static int facingMinsLength(int cols) {
        return cols / 256 * KScaleMins.UNPACKED;
    }

    private static void facingMins(float[] x, int xo, int cols, float[] sums, int at) {
        for (int b = 0, c = xo; b < cols / 256; b++) {
            for (int j = 0; j < 8; j++) sums[at + b * KScaleMins.UNPACKED + j] = 0;
            for (int j = 0; j < 8; j++, c += 32) sums[at + b * KScaleMins.UNPACKED + 8 + j] = VectorOps.sum(x, c, 32);
        }
    }

    /** Sums of {@code x[xo .. xo+cols)} over each group of 16, in order. */
    static float[] of16(float[] x, int xo, int cols) {
        float[] sums = sums(cols / 16);
        for (int g = 0; g < cols / 16; g++) sums[g] = VectorOps.sum(x, xo + 16 * g, 16);
        return sums;
    }

    /** {@link #of16} of two tokens (at {@code xa} and {@code xb}), the second's from index {@code cols / 16}. */
    static float[] of16(float[] x, int xa, int xb, int cols) {
        float[] sums = sums(2 * (cols / 16));
        for (int g = 0; g < cols / 16; g++) {
            sums[g] = VectorOps.sum(x, xa + 16 * g, 16);
            sums[cols / 16 + g] = VectorOps.sum(x, xb + 16 * g, 16);
        }
        return sums;
    }

    private static float[] sums(int length) {
        float[] sums = SUMS.get();
        if (sums.length < length) SUMS.set(sums = new float[length]);
        return sums;
    }

    /** A per-thread array of at least {@code length} floats, and room for one vector past them: a kernel's float scales of one row. */
    static float[] scales(int length) {
        float[] scales = SCALES.get();
        if (scales.length < length + 16) SCALES.set(scales = new float[length + 16]);
        return scales;
    }
}
