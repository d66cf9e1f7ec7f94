package dev.lorillama.runtime.tensor;

import jdk.incubator.vector.FloatVector;

/**
 * Activations turned on their side for prefill: within each block of {@link #WIDTH} tokens,
 * column {@code c} of every token lies side by side, so one vector load gives the same input
 * element for many tokens. The prefill kernel multiplies such a vector by one broadcast weight,
 * and a register of sums then holds one output row for many tokens: no horizontal sums, and
 * the running sums can be put aside and resumed cheaply, which lets the kernel walk the columns
 * in cache-sized chunks.
 *
 * <p>Layout: token {@code t} of block {@code b = t / WIDTH}, column {@code c} is at
 * {@code lanes[(b·cols + c)·WIDTH + t % WIDTH]}; lanes past the last token are zero.
 */
public final class TokenLanes {
    /** Tokens per block: two vectors of floats (32 with AVX-512, 16 with AVX2). */
    public static final int WIDTH = 2 * FloatVector.SPECIES_PREFERRED.length();

    private TokenLanes() {}

    /** Floats needed for {@code tokens} tokens of {@code cols} columns. */
    public static int size(int tokens, int cols) {
        return Math.multiplyExact(blocks(tokens) * WIDTH, cols);
    }

    public static int blocks(int tokens) {
        return (tokens + WIDTH - 1) / WIDTH;
    }

    /**
     * Writes block {@code b} of {@code x} (tokens {@code [from, to)}, row-major, {@code cols} wide)
     * into {@code lanes}, whose block 0 starts at {@code lanesOffset}.
     */
    public static void fillBlock(float[] x, int from, int to, int cols, int b, float[] lanes, int lanesOffset) {
        int first = from + b * WIDTH, count = Math.min(WIDTH, to - first), base = lanesOffset + b * cols * WIDTH;
        for (int c = 0; c < cols; c++) {
            int o = base + c * WIDTH;
            for (int j = 0; j < count; j++) lanes[o + j] = x[(first + j) * cols + c];
            for (int j = count; j < WIDTH; j++) lanes[o + j] = 0f;
        }
    }

    /** All blocks of tokens {@code [from, to)}. */
    public static void fill(float[] x, int from, int to, int cols, float[] lanes) {
        for (int b = 0; b < blocks(to - from); b++) fillBlock(x, from, to, cols, b, lanes, 0);
    }
}
