package dev.lorillama.runtime.model;

/** Keys and values of every position seen so far, per layer: positions × kvHeads × headDim. */
public final class KvCache {
    private final float[][] keys;
    private final float[][] values;
    private final int kvDim;
    private final int capacity;

    public KvCache(LlamaConfig c, int capacity) {
        this.kvDim = c.kvDim();
        this.capacity = capacity;
        this.keys = new float[c.numLayers()][capacity * kvDim];
        this.values = new float[c.numLayers()][capacity * kvDim];
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
        System.arraycopy(k, fromRow * kvDim, keys[layer], startPos * kvDim, tokens * kvDim);
        System.arraycopy(v, fromRow * kvDim, values[layer], startPos * kvDim, tokens * kvDim);
    }

    /** Bytes held: keys and values of every layer and position, as floats. */
    public static long bytes(LlamaConfig c, int positions) {
        return 2L * c.numLayers() * positions * c.kvDim() * Float.BYTES;
    }
}
