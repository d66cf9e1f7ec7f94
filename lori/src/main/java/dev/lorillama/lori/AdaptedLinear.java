package dev.lorillama.lori;

import dev.lorillama.runtime.backend.Backend;
import dev.lorillama.runtime.model.Linear;
import dev.lorillama.runtime.model.Workspace;
import dev.lorillama.runtime.tensor.VectorOps;
import java.util.List;

/** A base projection plus unmerged low-rank updates: {@code y = W·x + Σ scale·B·(A·x)}. */
final class AdaptedLinear implements Linear {
    private final Linear base;
    private final List<LowRankDelta> deltas;

    AdaptedLinear(Linear base, List<LowRankDelta> deltas) {
        this.base = base;
        this.deltas = List.copyOf(deltas);
    }

    @Override
    public int inFeatures() {
        return base.inFeatures();
    }

    @Override
    public int outFeatures() {
        return base.outFeatures();
    }

    @Override
    public void forward(Workspace ws, float[] x, int tokens, float[] y) {
        base.forward(ws, x, tokens, y);
        Backend backend = ws.backend();
        int out = outFeatures();
        for (LowRankDelta d : deltas) {
            float[] ax = ws.scratch(0, tokens * d.rank());       // [tokens, r]: A·x, tiny
            backend.matmul(d.a(), x, tokens, ax);
            if (d.scale() != 1f) VectorOps.scale(ax, 0, d.scale(), tokens * d.rank());
            float[] bax = ws.scratch(1, tokens * out);            // [tokens, out]: B·(s·A·x)
            backend.matmul(d.b(), ax, tokens, bax);
            backend.add(y, bax, tokens * out);
        }
    }
}
