package dev.lorillama.lori;

import dev.lorillama.runtime.UserInputException;
import dev.lorillama.runtime.model.Projection;
import java.util.ArrayList;
import java.util.List;

/**
 * Where two adapters' B matrices are non-zero, compared projection by projection. LoRI's sparse
 * masks are what lets merged adapters interfere little: two tasks' masks barely overlap.
 *
 * @param modules the projections both adapters adapt with B of the same shape
 */
public record MaskOverlap(String first, String second, int baseLayers, List<Module> modules) {

    /** One projection: how many B entries are non-zero in the first, in the second, and in both. */
    public record Module(int layer, Projection projection, long entries, long firstNonZeros, long secondNonZeros, long both) {
        public long union() {
            return firstNonZeros + secondNonZeros - both;
        }

        /** Intersection over union of the two masks (Jaccard index); 0 when both are empty. */
        public double jaccard() {
            return union() == 0 ? 0 : (double) both / union();
        }
    }

    public MaskOverlap {
        modules = List.copyOf(modules);
    }

    public static MaskOverlap of(LoraAdapter first, LoraAdapter second, int baseLayers) {
        List<Module> modules = new ArrayList<>();
        for (LoraModule a : first.modules().values()) {
            LoraModule b = second.module(a.layer(), a.projection());
            if (b == null || b.b().rows() != a.b().rows() || b.b().cols() != a.b().cols()) continue;
            modules.add(new Module(a.layer(), a.projection(), (long) a.b().rows() * a.b().cols(),
                    Densities.nonZeros(a.b()), Densities.nonZeros(b.b()), Densities.nonZerosInBoth(a.b(), b.b())));
        }
        if (modules.isEmpty()) {
            throw new UserInputException("adapters '" + first.name() + "' (rank " + first.config().rank() + ") and '" + second.name()
                    + "' (rank " + second.config().rank() + ") share no projection with B of the same shape: their masks cannot be compared");
        }
        return new MaskOverlap(first.name(), second.name(), baseLayers, modules);
    }

    public long both() {
        return modules.stream().mapToLong(Module::both).sum();
    }

    public long union() {
        return modules.stream().mapToLong(Module::union).sum();
    }

    /** Intersection over union of all compared entries together. */
    public double jaccard() {
        long union = union();
        return union == 0 ? 0 : (double) both() / union;
    }

    /** The Jaccard index as a layer × projection grid (NaN where not compared). */
    public double[][] jaccardGrid() {
        double[][] grid = LayerGrid.empty(baseLayers);
        for (Module m : modules) grid[m.layer()][m.projection().ordinal()] = m.jaccard();
        return grid;
    }
}
