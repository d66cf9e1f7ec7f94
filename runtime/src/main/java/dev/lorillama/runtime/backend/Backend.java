package dev.lorillama.runtime.backend;

import dev.lorillama.runtime.tensor.WeightMatrix;

/**
 * The kernels the forward pass is written against. Activations are row-major float arrays of
 * {@code tokens × dim}; a second backend (GPU) implements the same few operations.
 */
public interface Backend extends AutoCloseable {

    /** Worker threads this backend uses. */
    int threads();

    /** {@code y[t] = W · x[t]} for every token t; x is tokens × W.cols, y is tokens × W.rows. */
    void matmul(WeightMatrix w, float[] x, int tokens, float[] y);

    /** {@code out[t] = x[t] / sqrt(mean(x[t]²) + eps) ⊙ weight}, per token. */
    void rmsNorm(float[] out, float[] x, float[] weight, float eps, int tokens, int dim);

    /**
     * Rotates each head of each token by its position, pairing elements as the table's
     * {@link dev.lorillama.runtime.model.RopeLayout} says. {@code v} is tokens × heads × headDim;
     * token t sits at position {@code startPos + t}.
     */
    void rope(float[] v, int tokens, int heads, int startPos, RopeTable table);

    /**
     * Causal grouped-query attention for tokens at positions {@code startPos ..}: each query head
     * attends over keys/values 0..its own position of the kv head that serves it.
     *
     * @param out    tokens × heads × headDim
     * @param q      tokens × heads × headDim (already rotated)
     * @param keys   positions × kvHeads × headDim (cache, already holding these tokens)
     * @param values positions × kvHeads × headDim
     */
    void attention(float[] out, float[] q, float[] keys, float[] values, int tokens, int startPos,
                   int heads, int kvHeads, int headDim);

    /** {@code gate[i] = silu(gate[i]) · up[i]} for i < n: SwiGLU's gating. */
    void swiglu(float[] gate, float[] up, int n);

    /** {@code x[i] += delta[i]} for i < n: the residual connection. */
    void add(float[] x, float[] delta, int n);

    @Override
    void close();
}
