package dev.lorillama.runtime.model;

import dev.lorillama.runtime.tensor.WeightMatrix;
import java.util.List;

/**
 * One linear projection as the forward pass sees it: {@code y = W·x + Σ s·B·(A·x)}. The base
 * model's projections are plain weight matrices (no updates); adapters add their low-rank updates
 * unmerged; merged adapters are a new W. The forward pass computes the product
 * ({@link BatchedProjection}): W once for a whole batch, the updates for the rows that use them.
 */
public interface Linear {
    /** W: the base weights (or the weights with adapters merged in). */
    WeightMatrix weight();

    /** The low-rank updates added to {@code W·x}, in order (empty for a plain projection). */
    default List<? extends LowRankUpdate> updates() {
        return List.of();
    }

    default int inFeatures() {
        return weight().cols();
    }

    default int outFeatures() {
        return weight().rows();
    }
}
