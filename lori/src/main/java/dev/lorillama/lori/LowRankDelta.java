package dev.lorillama.lori;

import dev.lorillama.runtime.model.LowRankUpdate;
import dev.lorillama.runtime.tensor.SparseRowsMatrix;
import dev.lorillama.runtime.tensor.WeightMatrix;

/**
 * One low-rank update {@code ΔW = scale · B · A} ready to apply. A B that is mostly zeros is
 * stored as compressed rows with the scale folded in (then {@code scale} is 1).
 */
public record LowRankDelta(WeightMatrix a, WeightMatrix b, float scale) implements LowRankUpdate {
    /**
     * Densest B still kept sparse. Compressed rows cost 8 bytes per kept entry against 4 per dense
     * entry, and gathers run slower than dense SIMD, so sparse pays off well below 50% density;
     * LoRI-S B (~10%) is far below this, LoRI-D B (~100%) far above.
     */
    public static final double SPARSE_MAX_DENSITY = 0.3;

    /** Chooses dense or sparse storage for B by its measured density. */
    public static LowRankDelta of(WeightMatrix a, WeightMatrix b, double scale) {
        double density = Densities.nonZeroFraction(b);
        if (density <= SPARSE_MAX_DENSITY) return new LowRankDelta(a, SparseRowsMatrix.fromDense(b, (float) scale), 1f);
        return new LowRankDelta(a, b, (float) scale);
    }

    public int rank() {
        return a.rows();
    }

    public boolean sparse() {
        return b instanceof SparseRowsMatrix;
    }
}
