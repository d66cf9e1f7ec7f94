package dev.lorillama.lori;

import dev.lorillama.runtime.model.Linear;
import dev.lorillama.runtime.tensor.WeightMatrix;
import java.util.List;

/**
 * A base projection plus unmerged low-rank updates: {@code y = W·x + Σ scale·B·(A·x)}. The
 * forward pass computes it (runtime {@code BatchedProjection}), for one sequence or for a batch
 * whose rows use different adapters.
 */
record AdaptedLinear(WeightMatrix weight, List<LowRankDelta> updates) implements Linear {
    AdaptedLinear {
        updates = List.copyOf(updates);
    }
}
