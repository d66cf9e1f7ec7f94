package dev.lorillama.runtime.backend;

import dev.lorillama.runtime.model.RopeLayout;
import dev.lorillama.runtime.tensor.MatMul;
import dev.lorillama.runtime.tensor.VectorOps;
import dev.lorillama.runtime.tensor.WeightMatrix;
import dev.lorillama.runtime.tensor.WorkerPool;

/** The CPU backend: Vector API kernels spread over a {@link WorkerPool}. */
public final class CpuBackend implements Backend {
    /** Element-wise loops are split in chunks of this many floats per task. */
    private static final int ELEMENTWISE_CHUNK = 16384;

    private final WorkerPool pool;
    /** One attention-scores row per worker thread, grown on demand to the longest context seen. */
    private final float[][] scores;

    public CpuBackend(int threads) {
        this.pool = new WorkerPool(threads);
        this.scores = new float[threads][0];
    }

    public WorkerPool pool() {
        return pool;
    }

    @Override
    public int threads() {
        return pool.threads();
    }

    @Override
    public void matmul(WeightMatrix w, float[] x, int tokens, float[] y) {
        MatMul.multiply(pool, w, x, tokens, y);
    }

    @Override
    public void rmsNorm(float[] out, float[] x, float[] weight, float eps, int tokens, int dim) {
        pool.parallelFor(tokens, (t, worker) -> {
            int o = t * dim;
            float meanSquare = VectorOps.dot(x, o, x, o, dim) / dim;
            float scale = (float) (1.0 / Math.sqrt(meanSquare + eps));
            VectorOps.scaleByWeights(out, o, x, o, scale, weight, dim);
        });
    }

    @Override
    public void rope(float[] v, int tokens, int heads, int startPos, RopeTable table) {
        int half = table.half();
        int headDim = 2 * half;
        // Frequency i rotates the pair (first, second): (i, i+half) in HF layout, (2i, 2i+1) interleaved.
        int pairStride = table.layout() == RopeLayout.HALVES ? 1 : 2;
        int partnerOffset = table.layout() == RopeLayout.HALVES ? half : 1;
        for (int t = 0; t < tokens; t++) {
            int pos = startPos + t;
            for (int h = 0; h < heads; h++) {
                int base = (t * heads + h) * headDim;
                for (int i = 0; i < half; i++) {
                    float cos = table.cos(pos, i), sin = table.sin(pos, i);
                    int first = base + i * pairStride, second = first + partnerOffset;
                    float x0 = v[first], x1 = v[second];
                    v[first] = x0 * cos - x1 * sin;
                    v[second] = x1 * cos + x0 * sin;
                }
            }
        }
    }

    @Override
    public void attention(float[] out, float[] q, float[] keys, float[] values, int tokens, int startPos,
                          int heads, int kvHeads, int headDim) {
        int group = heads / kvHeads;
        int kvStride = kvHeads * headDim;
        float invSqrtDim = (float) (1.0 / Math.sqrt(headDim));
        ensureScores(startPos + tokens);
        pool.parallelFor(tokens * heads, (task, worker) -> {
            int t = task / heads, h = task % heads;
            int kvOffset = (h / group) * headDim;
            int qOffset = (t * heads + h) * headDim;
            int visible = startPos + t + 1; // causal: this token and all before it
            float[] s = scores[worker];
            float max = Float.NEGATIVE_INFINITY;
            for (int p = 0; p < visible; p++) {
                s[p] = VectorOps.dot(q, qOffset, keys, p * kvStride + kvOffset, headDim) * invSqrtDim;
                max = Math.max(max, s[p]);
            }
            float sum = 0;
            for (int p = 0; p < visible; p++) {
                s[p] = (float) Math.exp(s[p] - max);
                sum += s[p];
            }
            java.util.Arrays.fill(out, qOffset, qOffset + headDim, 0f);
            float inv = 1f / sum;
            for (int p = 0; p < visible; p++) {
                VectorOps.axpy(s[p] * inv, values, p * kvStride + kvOffset, out, qOffset, headDim);
            }
        });
    }

    private synchronized void ensureScores(int length) {
        for (int i = 0; i < scores.length; i++) {
            if (scores[i].length < length) scores[i] = new float[Math.max(length, 2 * scores[i].length)];
        }
    }

    @Override
    public void swiglu(float[] gate, float[] up, int n) {
        int chunks = (n + ELEMENTWISE_CHUNK - 1) / ELEMENTWISE_CHUNK;
        pool.parallelFor(chunks, (c, worker) ->
                VectorOps.swiglu(gate, up, c * ELEMENTWISE_CHUNK, Math.min(n, (c + 1) * ELEMENTWISE_CHUNK)));
    }

    @Override
    public void add(float[] x, float[] delta, int n) {
        VectorOps.add(x, delta, 0, n);
    }

    @Override
    public void close() {
        pool.close();
    }
}
