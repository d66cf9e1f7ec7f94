package dev.lorillama.runtime.model;

import dev.lorillama.runtime.tensor.FloatArrayMatrix;
import dev.lorillama.runtime.tensor.VectorOps;
import dev.lorillama.runtime.tensor.WeightMatrix;

/**
 * A low-rank update {@code scale·B·(A·x)} being trained: A and B are float arrays on the heap that
 * an optimizer changes between steps, and {@link LlamaModel#backward} adds the gradient of the
 * loss with respect to them into {@link #gradB} (and {@link #gradA} when A trains too).
 */
public final class TrainableUpdate implements LowRankUpdate {
    private final FloatArrayMatrix a;
    private final FloatArrayMatrix b;
    private final float scale;
    /** dLoss/dA (r × in), or null while A is frozen (LoRI): then A is never written. */
    private final float[] gradA;
    /** dLoss/dB (out × r). */
    private final float[] gradB;

    /** An update over the arrays {@code a} (r × in) and {@code b} (out × r), trained in place. */
    public TrainableUpdate(String name, float[] a, float[] b, int rank, int in, int out, float scale, boolean trainA) {
        this.a = FloatArrayMatrix.wrap(name + ".lora_A", rank, in, a);
        this.b = FloatArrayMatrix.wrap(name + ".lora_B", out, rank, b);
        this.scale = scale;
        this.gradA = trainA ? new float[a.length] : null;
        this.gradB = new float[b.length];
    }

    public float[] gradA() {
        return gradA;
    }

    public float[] gradB() {
        return gradB;
    }

    @Override
    public float scale() {
        return scale;
    }

    public int rank() {
        return a.rows();
    }

    /**
     * Adds this step's gradients for {@code tokens} rows: {@code dB += s·Σ_t dy[t] ⊗ z[t]} with
     * {@code z = A·x}, and {@code dA += s·Σ_t g[t] ⊗ x[t]} with {@code g = Bᵀ·dy}.
     */
    void addGradients(float[] x, float[] dy, float[] z, float[] g, int tokens) {
        int r = rank(), in = a.cols(), out = b.rows();
        for (int t = 0; t < tokens; t++) {
            for (int o = 0; o < out; o++) {
                float d = dy[t * out + o];
                if (d != 0f) VectorOps.axpy(scale * d, z, t * r, gradB, o * r, r);
            }
        }
        if (gradA == null) return;
        for (int t = 0; t < tokens; t++) {
            for (int j = 0; j < r; j++) VectorOps.axpy(scale * g[t * r + j], x, t * in, gradA, j * in, in);
        }
    }

    /** Forgets the gradients (the start of a new batch). */
    public void zeroGradients() {
        java.util.Arrays.fill(gradB, 0f);
        if (gradA != null) java.util.Arrays.fill(gradA, 0f);
    }

    @Override
    public WeightMatrix a() {
        return a;
    }

    @Override
    public WeightMatrix b() {
        return b;
    }
}
