package dev.lorillama.lori;

import dev.lorillama.runtime.model.Projection;
import dev.lorillama.runtime.tensor.WeightMatrix;

/**
 * One adapted projection of one layer: {@code ΔW = scale · B · A}.
 *
 * @param a     r × in, the frozen random projection (LoRI)
 * @param b     out × r, the trained (for LoRI-S: mostly zero) up-projection
 * @param scale alpha / r (or alpha / √r with rsLoRA), after rank/alpha patterns
 */
public record LoraModule(int layer, Projection projection, WeightMatrix a, WeightMatrix b, int rank, double scale,
                         String aKey, String bKey) {

    /** Fraction of B's entries that are not exactly zero. */
    public double bDensity() {
        return Densities.nonZeroFraction(b);
    }
}
