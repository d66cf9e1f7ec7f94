package dev.lorillama.runtime.backend;

import dev.lorillama.runtime.model.RopeLayout;
import dev.lorillama.runtime.tensor.MatMul;
import dev.lorillama.runtime.tensor.RowRuns;
import dev.lorillama.runtime.tensor.VectorOps;
import dev.lorillama.runtime.tensor.WeightMatrix;
import dev.lorillama.runtime.tensor.WorkerPool;

/**
 * The CPU backend: Vector API kernels spread over a {@link WorkerPool}. Each parallel operation
 * is a reusable task object whose operands are set per call, so the forward pass allocates
 * nothing per token; the operations are synchronized, as several sessions may share a model.
 */
public final class CpuBackend implements Backend {
    /** Element-wise loops are split in chunks of this many floats per task. */
    private static final int ELEMENTWISE_CHUNK = 16384;

    private final WorkerPool pool;
    private final MatMul matMul;
    private final RmsNorm rmsNorm = new RmsNorm();
    private final Attention attention;
    private final SwiGlu swiglu = new SwiGlu();
    private final RmsNormBackward rmsNormBackward = new RmsNormBackward();
    private final AttentionBackward attentionBackward;

    public CpuBackend(int threads) {
        this.pool = new WorkerPool(threads);
        this.matMul = new MatMul(pool);
        this.attention = new Attention(threads);
        this.attentionBackward = new AttentionBackward(threads);
    }

    public WorkerPool pool() {
        return pool;
    }

    @Override
    public int threads() {
        return pool.threads();
    }

    @Override
    public synchronized void matmul(WeightMatrix w, float[] x, int tokens, float[] y) {
        matMul.multiply(w, x, tokens, y);
    }

    @Override
    public synchronized void matmul(WeightMatrix w, float[] x, RowRuns runs, int fromRun, int toRun, float[] y) {
        matMul.multiply(w, x, runs, fromRun, toRun, y);
    }

    @Override
    public synchronized void rmsNorm(float[] out, float[] x, float[] weight, float eps, int tokens, int dim) {
        rmsNorm.out = out;
        rmsNorm.x = x;
        rmsNorm.weight = weight;
        rmsNorm.eps = eps;
        rmsNorm.dim = dim;
        pool.parallelFor(tokens, rmsNorm);
    }

    /** One token per task: {@code out[t] = x[t] / sqrt(mean(x[t]²) + eps) ⊙ weight}. */
    private static final class RmsNorm implements WorkerPool.Task {
        float[] out, x, weight;
        float eps;
        int dim;

        @Override
        public void run(int t, int worker) {
            int o = t * dim;
            float meanSquare = VectorOps.dot(x, o, x, o, dim) / dim;
            float scale = (float) (1.0 / Math.sqrt(meanSquare + eps));
            VectorOps.scaleByWeights(out, o, x, o, scale, weight, dim);
        }
    }

    @Override
    public void rope(float[] v, int tokens, int heads, int[] positions, RopeTable table) {
        rotate(v, tokens, heads, positions, table, 1f);
    }

    /** A rotation is orthogonal: its gradient is the rotation by the opposite angle. */
    @Override
    public void ropeBackward(float[] dv, int tokens, int heads, int[] positions, RopeTable table) {
        rotate(dv, tokens, heads, positions, table, -1f);
    }

    /** Rotates each pair by {@code direction}·angle (+1: RoPE, −1: its inverse). */
    private static void rotate(float[] v, int tokens, int heads, int[] positions, RopeTable table, float direction) {
        int half = table.half();
        int headDim = 2 * half;
        // Frequency i rotates the pair (first, second): (i, i+half) in HF layout, (2i, 2i+1) interleaved.
        int pairStride = table.layout() == RopeLayout.HALVES ? 1 : 2;
        int partnerOffset = table.layout() == RopeLayout.HALVES ? half : 1;
        for (int t = 0; t < tokens; t++) {
            int pos = positions[t];
            for (int h = 0; h < heads; h++) {
                int base = (t * heads + h) * headDim;
                for (int i = 0; i < half; i++) {
                    float cos = table.cos(pos, i), sin = direction * table.sin(pos, i);
                    int first = base + i * pairStride, second = first + partnerOffset;
                    float x0 = v[first], x1 = v[second];
                    v[first] = x0 * cos - x1 * sin;
                    v[second] = x1 * cos + x0 * sin;
                }
            }
        }
    }

    @Override
    public synchronized void attention(float[] out, float[] q, int tokens, int[] positions, float[][] keys, float[][] values,
                                       int heads, int kvHeads, int headDim) {
        Attention a = attention;
        int longest = 0;
        for (int t = 0; t < tokens; t++) longest = Math.max(longest, positions[t] + 1);
        a.ensureScores(longest);
        a.out = out;
        a.q = q;
        a.keys = keys;
        a.values = values;
        a.positions = positions;
        a.heads = heads;
        a.group = heads / kvHeads;
        a.kvStride = kvHeads * headDim;
        a.headDim = headDim;
        a.invSqrtDim = (float) (1.0 / Math.sqrt(headDim));
        try {
            pool.parallelFor(tokens * heads, a);
        } finally {
            a.keys = null; // the KV caches of sessions that end must not stay reachable from here
            a.values = null;
        }
    }

    /** One (token, query head) per task: softmax(q·Kᵀ/√d) over the token's visible positions, times V. */
    private static final class Attention implements WorkerPool.Task {
        /** One scores row per worker thread, grown on demand to the longest context seen. */
        private final float[][] scores;
        float[] out, q;
        float[][] keys, values;
        int[] positions;
        int heads, group, kvStride, headDim;
        float invSqrtDim;

        Attention(int threads) {
            scores = new float[threads][0];
        }

        void ensureScores(int length) {
            for (int i = 0; i < scores.length; i++) {
                if (scores[i].length < length) scores[i] = new float[Math.max(length, 2 * scores[i].length)];
            }
        }

        @Override
        public void run(int task, int worker) {
            int t = task / heads, h = task % heads;
            int kvOffset = (h / group) * headDim;
            int qOffset = (t * heads + h) * headDim;
            int visible = positions[t] + 1; // causal: this token and all before it in its own sequence
            float[] k = keys[t], v = values[t];
            float[] s = scores[worker];
            float max = Float.NEGATIVE_INFINITY;
            for (int p = 0; p < visible; p++) {
                s[p] = VectorOps.dot(q, qOffset, k, p * kvStride + kvOffset, headDim) * invSqrtDim;
                max = Math.max(max, s[p]);
            }
            float sum = VectorOps.expMinus(s, visible, max);
            VectorOps.weightedRows(s, visible, v, kvOffset, kvStride, out, qOffset, headDim);
            VectorOps.scale(out, qOffset, 1f / sum, headDim);
        }
    }

    @Override
    public synchronized void swiglu(float[] gate, float[] up, int n) {
        swiglu.gate = gate;
        swiglu.up = up;
        swiglu.n = n;
        pool.parallelFor((n + ELEMENTWISE_CHUNK - 1) / ELEMENTWISE_CHUNK, swiglu);
    }

    /** One chunk of {@link #ELEMENTWISE_CHUNK} elements per task. */
    private static final class SwiGlu implements WorkerPool.Task {
        float[] gate, up;
        int n;

        @Override
        public void run(int c, int worker) {
            VectorOps.swiglu(gate, up, c * ELEMENTWISE_CHUNK, Math.min(n, (c + 1) * ELEMENTWISE_CHUNK));
        }
    }

    @Override
    public void add(float[] x, float[] delta, int n) {
        VectorOps.add(x, delta, 0, n);
    }

    // ------------------------------------------------------------------ backward

    @Override
    public synchronized void matmulTransposed(WeightMatrix w, float[] dy, int tokens, float[] dx) {
        matMul.multiplyTransposed(w, dy, tokens, dx);
    }

    @Override
    public synchronized void rmsNormBackward(float[] dx, float[] x, float[] weight, float eps, float[] dOut, int tokens, int dim) {
        rmsNormBackward.dx = dx;
        rmsNormBackward.x = x;
        rmsNormBackward.weight = weight;
        rmsNormBackward.eps = eps;
        rmsNormBackward.dOut = dOut;
        rmsNormBackward.dim = dim;
        pool.parallelFor(tokens, rmsNormBackward);
    }

    /**
     * One token per task. With {@code s = 1/√(mean(x²)+ε)} and {@code y = x·s⊙w}:
     * {@code dx = s·(w⊙dy) − x·s³·Σ(w⊙dy⊙x)/dim}.
     */
    private static final class RmsNormBackward implements WorkerPool.Task {
        float[] dx, x, weight, dOut;
        float eps;
        int dim;

        @Override
        public void run(int t, int worker) {
            int o = t * dim;
            double meanSquare = 0, weighted = 0;
            for (int i = 0; i < dim; i++) {
                meanSquare += (double) x[o + i] * x[o + i];
                weighted += (double) weight[i] * dOut[o + i] * x[o + i];
            }
            double s = 1.0 / Math.sqrt(meanSquare / dim + eps);
            float a = (float) s, b = (float) (s * s * s * weighted / dim);
            for (int i = 0; i < dim; i++) dx[o + i] += a * weight[i] * dOut[o + i] - b * x[o + i];
        }
    }

    @Override
    public synchronized void attentionBackward(float[] dq, float[] dKeys, float[] dValues, float[] dOut, float[] out, float[] q,
                                               float[] keys, float[] values, int tokens, int startPos, int heads, int kvHeads, int headDim) {
        AttentionBackward a = attentionBackward;
        a.ensureRows(startPos + tokens);
        a.dq = dq;
        a.dKeys = dKeys;
        a.dValues = dValues;
        a.dOut = dOut;
        a.out = out;
        a.q = q;
        a.keys = keys;
        a.values = values;
        a.tokens = tokens;
        a.startPos = startPos;
        a.heads = heads;
        a.group = heads / kvHeads;
        a.kvStride = kvHeads * headDim;
        a.headDim = headDim;
        a.invSqrtDim = (float) (1.0 / Math.sqrt(headDim));
        try {
            pool.parallelFor(kvHeads, a);
        } finally {
            a.keys = a.values = a.dKeys = a.dValues = null;
        }
    }

    /**
     * One kv head per task (its query heads add into its keys' and values' gradients). Per query
     * row, with P = softmax(q·Kᵀ/√d) recomputed: {@code dV += Pᵀ·dOut}, {@code dS = P⊙(dOut·Vᵀ − dOut·out)},
     * {@code dq = dS·K/√d}, {@code dK += dSᵀ·q/√d}.
     */
    private static final class AttentionBackward implements WorkerPool.Task {
        private final float[][] probabilities;
        float[] dq, dKeys, dValues, dOut, out, q, keys, values;
        int tokens, startPos, heads, group, kvStride, headDim;
        float invSqrtDim;

        AttentionBackward(int threads) {
            probabilities = new float[threads][0];
        }

        void ensureRows(int length) {
            for (int i = 0; i < probabilities.length; i++) {
                if (probabilities[i].length < length) probabilities[i] = new float[Math.max(length, 2 * probabilities[i].length)];
            }
        }

        @Override
        public void run(int kvHead, int worker) {
            int kvOffset = kvHead * headDim;
            float[] p = probabilities[worker];
            for (int h = kvHead * group; h < (kvHead + 1) * group; h++) {
                for (int t = 0; t < tokens; t++) {
                    int qOffset = (t * heads + h) * headDim;
                    int visible = startPos + t + 1;
                    float max = Float.NEGATIVE_INFINITY;
                    for (int s = 0; s < visible; s++) {
                        p[s] = VectorOps.dot(q, qOffset, keys, s * kvStride + kvOffset, headDim) * invSqrtDim;
                        max = Math.max(max, p[s]);
                    }
                    float sum = VectorOps.expMinus(p, visible, max);
                    float outDotDOut = VectorOps.dot(dOut, qOffset, out, qOffset, headDim);
                    java.util.Arrays.fill(dq, qOffset, qOffset + headDim, 0f);
                    for (int s = 0; s < visible; s++) {
                        float prob = p[s] / sum;
                        int kv = s * kvStride + kvOffset;
                        VectorOps.axpy(prob, dOut, qOffset, dValues, kv, headDim);
                        float dScore = prob * (VectorOps.dot(dOut, qOffset, values, kv, headDim) - outDotDOut) * invSqrtDim;
                        VectorOps.axpy(dScore, keys, kv, dq, qOffset, headDim);
                        VectorOps.axpy(dScore, q, qOffset, dKeys, kv, headDim);
                    }
                }
            }
        }
    }

    @Override
    public synchronized void swigluBackward(float[] dGate, float[] dUp, float[] gate, float[] up, float[] dOut, int n) {
        for (int i = 0; i < n; i++) {
            float g = gate[i], sigmoid = (float) (1.0 / (1.0 + Math.exp(-g)));
            float d = dOut[i], u = up[i]; // read first: the gradients may overwrite their inputs
            dUp[i] = d * g * sigmoid;
            dGate[i] = d * u * sigmoid * (1f + g * (1f - sigmoid));
        }
    }

    @Override
    public void close() {
        pool.close();
    }
}
