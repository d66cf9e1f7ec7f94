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

    /** Stores the keys and values of {@code tokens} tokens at positions {@code startPos ..}. */
    public void store(int layer, int startPos, float[] k, float[] v, int tokens) {
        System.arraycopy(k, 0, keys[layer], startPos * kvDim, tokens * kvDim);
        System.arraycopy(v, 0, values[layer], startPos * kvDim, tokens * kvDim);
    }
}
