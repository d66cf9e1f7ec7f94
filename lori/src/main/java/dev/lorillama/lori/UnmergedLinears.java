package dev.lorillama.lori;

import dev.lorillama.runtime.model.Linear;
import dev.lorillama.runtime.model.LinearProvider;
import dev.lorillama.runtime.model.Projection;

/**
 * The projections of an {@link AdapterSet} applied unmerged ({@code W·x + Σ s·B·(A·x)}). It names
 * its set, so a device backend that keeps the adapters resident can run the same mix there.
 */
public final class UnmergedLinears implements LinearProvider {
    private final AdapterSet set;
    private final Linear[][] linears; // [layer][projection]

    UnmergedLinears(AdapterSet set, Linear[][] linears) {
        this.set = set;
        this.linears = linears;
    }

    /** The adapters, weights and combination these projections apply. */
    public AdapterSet set() {
        return set;
    }

    @Override
    public Linear get(int layer, Projection projection) {
        return linears[layer][projection.ordinal()];
    }
}
