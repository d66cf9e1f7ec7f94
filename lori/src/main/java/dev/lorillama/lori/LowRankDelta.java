package dev.lorillama.lori;

import dev.lorillama.runtime.model.LowRankUpdate;
import dev.lorillama.runtime.tensor.NarrowMatrix;
import dev.lorillama.runtime.tensor.SparseRowsMatrix;
import dev.lorillama.runtime.tensor.WeightMatrix;

/**
 * One low-rank update {@code ΔW = scale · B · A} ready to apply. A B that is mostly zeros is
 * stored as sliced sparse rows with the scale folded in (then {@code scale} is 1); a dense one in
 * tiles of rows ({@link NarrowMatrix}), which multiply without a horizontal sum per row.
 */
public record LowRankDelta(WeightMatrix a, WeightMatrix b, float scale) implements LowRankUpdate {
    /**
     * Densest B still kept sparse. Sliced rows cost a byte of column and a value per kept entry
     * (plus the padding of each slice to its densest row) against a value per dense entry, so
     * sparse pays off well below 50% density; LoRI-S B (~10%) is far below this, LoRI-D B (~100%)
     * far above.
     */
    public static final double SPARSE_MAX_DENSITY = 0.3;

    /** Chooses dense or sparse storage for B by its measured density, in F32. */
    public static LowRankDelta of(WeightMatrix a, WeightMatrix b, double scale) {
        return of(a, b, scale, AdapterPrecision.F32);
    }

    /**
     * Chooses dense or sparse storage for B by its measured density and holds it in
     * {@code precision} (A is taken as it is). Ranks above {@link SparseRowsMatrix#MAX_VECTOR_COLS}
     * keep B dense: the sparse kernel takes A·x in registers.
     */
    public static LowRankDelta of(WeightMatrix a, WeightMatrix b, double scale, AdapterPrecision precision) {
        if (b.cols() <= SparseRowsMatrix.MAX_VECTOR_COLS && Densities.nonZeroFraction(b) <= SPARSE_MAX_DENSITY) {
            return new LowRankDelta(a, SparseRowsMatrix.fromDense(b, (float) scale, precision.dtype()), 1f);
        }
        return new LowRankDelta(a, NarrowMatrix.of(b, precision.dtype()), (float) scale);
    }

    public int rank() {
        return a.rows();
    }

    public boolean sparse() {
        return b instanceof SparseRowsMatrix;
    }
}
