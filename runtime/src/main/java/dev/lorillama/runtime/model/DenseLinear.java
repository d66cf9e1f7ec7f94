package dev.lorillama.runtime.model;

import dev.lorillama.runtime.tensor.WeightMatrix;

/** A projection that is just its weight matrix: {@code y = W·x}. */
public record DenseLinear(WeightMatrix weight) implements Linear {
    @Override
    public int inFeatures() {
        return weight.cols();
    }

    @Override
    public int outFeatures() {
        return weight.rows();
    }

    @Override
    public void forward(Workspace ws, float[] x, int tokens, float[] y) {
        ws.backend().matmul(weight, x, tokens, y);
    }
}
