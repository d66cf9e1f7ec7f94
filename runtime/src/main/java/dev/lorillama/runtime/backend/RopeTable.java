package dev.lorillama.runtime.backend;

import dev.lorillama.runtime.model.LlamaConfig;
import dev.lorillama.runtime.model.RopeLayout;
import dev.lorillama.runtime.model.RopeScaling;

/**
 * cos and sin of {@code position · invFreq[i]} for every position and every frequency
 * i < headDim/2, with {@code invFreq[i] = θ^(−2i/headDim)}, rescaled by llama3 rope scaling.
 */
public final class RopeTable {
    private final int half;
    private final RopeLayout layout;
    private final int positions;
    private final float[] cos;
    private final float[] sin;

    public RopeTable(int headDim, int positions, double theta, RopeScaling scaling, RopeLayout layout) {
        this.half = headDim / 2;
        this.layout = layout;
        this.positions = positions;
        this.cos = new float[positions * half];
        this.sin = new float[positions * half];
        for (int i = 0; i < half; i++) {
            // HF computes inv_freq in float32; do the same so angles round alike.
            float invFreq = (float) (1.0 / Math.pow(theta, (2.0 * i) / headDim));
            if (scaling != null) invFreq = (float) scaling.apply(i, invFreq);
            for (int p = 0; p < positions; p++) {
                float angle = p * invFreq;
                cos[p * half + i] = (float) Math.cos(angle);
                sin[p * half + i] = (float) Math.sin(angle);
            }
        }
    }

    public static RopeTable forConfig(LlamaConfig c, int positions) {
        return new RopeTable(c.headDim(), positions, c.ropeTheta(), c.ropeScaling(), c.ropeLayout());
    }

    public RopeLayout layout() {
        return layout;
    }

    public int half() {
        return half;
    }

    public int positions() {
        return positions;
    }

    public float cos(int position, int i) {
        return cos[position * half + i];
    }

    public float sin(int position, int i) {
        return sin[position * half + i];
    }
}
