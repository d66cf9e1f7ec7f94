package dev.lorillama.runtime.backend;

import dev.lorillama.runtime.tensor.RowRuns;
import dev.lorillama.runtime.tensor.WeightMatrix;

/**
 * The kernels the forward pass is written against. Activations are row-major float arrays of
 * {@code tokens × dim}; a second backend (GPU) implements the same few operations.
 *
 * <p>A batch may hold rows of several sequences: {@link RowRuns} say which rows belong together
 * for a product, each row carries its own position, and attention reads each row's own cache.
 */
public interface Backend extends AutoCloseable {

    /** Worker threads this backend uses. */
    int threads();

    /** {@code y[t] = W · x[t]} for every token t; x is tokens × W.cols, y is tokens × W.rows. */
    void matmul(WeightMatrix w, float[] x, int tokens, float[] y);

    /**
     * {@code y[t] = W · x[t]} for the rows of runs {@code [fromRun, toRun)}, indexed as in the whole
     * batch. Each run is computed exactly as {@link #matmul(WeightMatrix, float[], int, float[])}
     * would compute it alone (so a row's result never depends on the rest of the batch), while
     * W is read from memory once for all of them.
     */
    void matmul(WeightMatrix w, float[] x, RowRuns runs, int fromRun, int toRun, float[] y);

    /** {@code out[t] = x[t] / sqrt(mean(x[t]²) + eps) ⊙ weight}, per token. */
    void rmsNorm(float[] out, float[] x, float[] weight, float eps, int tokens, int dim);

    /**
     * Rotates each head of each token by its position, pairing elements as the table's
     * {@link dev.lorillama.runtime.model.RopeLayout} says. {@code v} is tokens × heads × headDim;
     * token t sits at position {@code positions[t]}.
     */
    void rope(float[] v, int tokens, int heads, int[] positions, RopeTable table);

    /**
     * Causal grouped-query attention, each token over its own sequence's cache: token t at
     * position {@code positions[t]} attends, with each query head, over positions
     * {@code 0 .. positions[t]} of the kv head that serves it.
     *
     * @param out    tokens × heads × headDim
     * @param q      tokens × heads × headDim (already rotated)
     * @param keys   per token, its sequence's cache of this layer: positions × kvHeads × headDim,
     *               already holding the token itself
     * @param values per token, likewise
     */
    void attention(float[] out, float[] q, int tokens, int[] positions, float[][] keys, float[][] values,
                   int heads, int kvHeads, int headDim);

    /** {@code gate[i] = silu(gate[i]) · up[i]} for i < n: SwiGLU's gating. */
    void swiglu(float[] gate, float[] up, int n);

    /** {@code x[i] += delta[i]} for i < n: the residual connection. */
    void add(float[] x, float[] delta, int n);

    // The backward pass (training): each step's gradient, beside the step above with the same name.
    // Gradients flow to the activations only; the weights are frozen (adapters compute their own).
    // A backend that cannot train keeps these defaults, which refuse.

    /** {@code dx[t] = Wᵀ · dy[t]}: the gradient through {@link #matmul}; dy is tokens × W.rows, dx tokens × W.cols. */
    default void matmulTransposed(WeightMatrix w, float[] dy, int tokens, float[] dx) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " cannot train (no matmulTransposed)");
    }

    /** Adds to {@code dx} the gradient through {@link #rmsNorm} of input {@code x}, given {@code dOut}. */
    default void rmsNormBackward(float[] dx, float[] x, float[] weight, float eps, float[] dOut, int tokens, int dim) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " cannot train (no rmsNormBackward)");
    }

    /** The gradient through {@link #rope}: rotates each head back by its position's angle, in place. */
    default void ropeBackward(float[] dv, int tokens, int heads, int[] positions, RopeTable table) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " cannot train (no ropeBackward)");
    }

    /**
     * The gradient through {@link #attention} of one sequence whose tokens sit at positions
     * {@code startPos ..}: given the rotated {@code q}, the cache ({@code keys}, {@code values}),
     * the output {@code out} and its gradient {@code dOut}, writes {@code dq} (tokens × heads ×
     * headDim) and adds to {@code dKeys}, {@code dValues} (positions × kvHeads × headDim).
     */
    default void attentionBackward(float[] dq, float[] dKeys, float[] dValues, float[] dOut, float[] out, float[] q,
                           float[] keys, float[] values, int tokens, int startPos, int heads, int kvHeads, int headDim) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " cannot train (no attentionBackward)");
    }

    /**
     * The gradient through {@link #swiglu}, from the gate before it ran: {@code dGate[i] = dOut[i]·up[i]·silu'(gate[i])},
     * {@code dUp[i] = dOut[i]·silu(gate[i])}.
     */
    default void swigluBackward(float[] dGate, float[] dUp, float[] gate, float[] up, float[] dOut, int n) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " cannot train (no swigluBackward)");
    }

    @Override
    void close();
}
