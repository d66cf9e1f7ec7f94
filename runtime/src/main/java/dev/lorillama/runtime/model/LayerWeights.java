package dev.lorillama.runtime.model;

import dev.lorillama.runtime.tensor.WeightMatrix;
import java.util.EnumMap;
import java.util.Map;

/** One transformer layer: two RMSNorm weight vectors and the seven projection matrices. */
public record LayerWeights(float[] attentionNorm, float[] ffnNorm, Map<Projection, WeightMatrix> projections) {
    public LayerWeights {
        projections = new EnumMap<>(projections);
    }

    public WeightMatrix projection(Projection p) {
        return projections.get(p);
    }
}
