package dev.lorillama.runtime.model;

/**
 * One linear projection {@code y = W·x} as the forward pass sees it. The base model's projections
 * are plain weight matrices; adapters decorate them ({@code W·x + Σ s·B·(A·x)}).
 */
public interface Linear {
    int inFeatures();

    int outFeatures();

    /** {@code y[t] = this(x[t])} for t < tokens; overwrites y (tokens × outFeatures). */
    void forward(Workspace ws, float[] x, int tokens, float[] y);
}
