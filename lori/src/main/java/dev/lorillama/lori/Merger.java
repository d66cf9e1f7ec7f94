package dev.lorillama.lori;

import dev.lorillama.runtime.tensor.DType;
import dev.lorillama.runtime.tensor.StoredMatrix;
import dev.lorillama.runtime.tensor.HeapMatrices;
import dev.lorillama.runtime.tensor.VectorOps;
import dev.lorillama.runtime.tensor.WeightMatrix;
import java.lang.foreign.Arena;
import java.util.List;

/** Computes {@code W' = W + Σ scale·B·A} once, row by row. */
public final class Merger {
    private Merger() {}

    /** The type merged weights are stored in (see {@link MergePrecision#storedType}). */
    public static DType mergedType(WeightMatrix base, MergePrecision precision) {
        return precision.storedType(baseType(base));
    }

    /** The stored type of a base projection (one computed in memory counts as BF16, as before). */
    public static DType baseType(WeightMatrix base) {
        return base instanceof StoredMatrix s ? s.dtype() : DType.BF16;
    }

    public static WeightMatrix merge(WeightMatrix base, List<LowRankDelta> deltas, MergePrecision precision, Arena arena) {
        // Each A is small (r × in): decode it once, then every merged row is a few axpy's over it.
        float[][] as = new float[deltas.size()][];
        for (int i = 0; i < deltas.size(); i++) {
            WeightMatrix a = deltas.get(i).a();
            as[i] = new float[a.rows() * a.cols()];
            for (int k = 0; k < a.rows(); k++) a.readRow(k, as[i], k * a.cols());
        }
        int cols = base.cols();
        return HeapMatrices.build(base.describe() + " + ΔW", mergedType(base, precision), base.rows(), cols, arena, (r, dst) -> {
            base.readRow(r, dst, 0);
            for (int i = 0; i < deltas.size(); i++) {
                LowRankDelta d = deltas.get(i);
                for (int k = 0; k < d.rank(); k++) {
                    float coefficient = d.scale() * d.b().get(r, k);
                    if (coefficient != 0f) VectorOps.axpy(coefficient, as[i], k * cols, dst, 0, cols);
                }
            }
        });
    }
}
