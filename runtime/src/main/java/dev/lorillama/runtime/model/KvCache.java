package dev.lorillama.runtime.model;

import java.util.Arrays;

/**
 * Keys and values of every position seen so far, per layer: positions × kvHeads × headDim. Room
 * for {@code capacity} positions is promised, but taken as the sequence grows (first
 * {@value #FIRST_POSITIONS} positions, then doubling), so a sequence that ends early never holds
 * the memory of its whole context.
 */
public final class KvCache {
    /** Positions allocated at first. */
    static final int FIRST_POSITIONS = 256;

    private final float[][] keys;
    private final float[][] values;
    private final int kvDim;
    private final int capacity;

    public KvCache(LlamaConfig c, int capacity) {
        this.kvDim = c.kvDim();
        this.capacity = capacity;
        int first = Math.min(capacity, FIRST_POSITIONS) * kvDim;
        this.keys = new float[c.numLayers()][first];
        this.values = new float[c.numLayers()][first];
    }

    public int capacity() {
        return capacity;
    }

    public float[] keys(int layer) {
        return keys[layer];
    }

    public float[] values(int layer) {
        return values[layer];
    }

    /** Stores rows {@code [fromRow, fromRow + tokens)} of {@code k} and {@code v} at positions {@code startPos ..}. */
    public void store(int layer, int startPos, float[] k, float[] v, int fromRow, int tokens) {
        int end = (startPos + tokens) * kvDim;
        if (keys[layer].length < end) {
            int grown = Math.min(capacity * kvDim, Math.max(end, 2 * keys[layer].length));
            keys[layer] = Arrays.copyOf(keys[layer], grown);
            values[layer] = Arrays.copyOf(values[layer], grown);
        }
        System.arraycopy(k, fromRow * kvDim, keys[layer], startPos * kvDim, tokens * kvDim);
        System.arraycopy(v, fromRow * kvDim, values[layer], startPos * kvDim, tokens * kvDim);
    }

    /** Bytes of keys and values for {@code positions} positions of every layer, as floats. */
    public static long bytes(LlamaConfig c, long positions) {
        return 2L * c.numLayers() * positions * c.kvDim() * Float.BYTES;
    }
}
