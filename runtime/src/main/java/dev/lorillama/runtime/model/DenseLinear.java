package dev.lorillama.runtime.model;

import dev.lorillama.runtime.tensor.WeightMatrix;

/** A projection that is just its weight matrix: {@code y = W·x}. */
public record DenseLinear(WeightMatrix weight) implements Linear {
}
