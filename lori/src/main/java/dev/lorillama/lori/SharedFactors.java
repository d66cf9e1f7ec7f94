package dev.lorillama.lori;

import dev.lorillama.runtime.tensor.WeightMatrix;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One instance per distinct adapter factor, held in one {@link AdapterPrecision}: LoRI freezes A
 * at its random initialisation, so adapters trained from one seed and rank hold the same A bit
 * for bit. Loaded through one {@code SharedFactors}, they get the same A object: it is kept in
 * memory once (~0.3 GB per rank-64 adapter of an 8B model in F32), and a batch whose rows use
 * different such adapters computes {@code A·x} once for all of them (it compares A's by identity).
 * Values are compared as held: two A's that round to the same BF16 values share one.
 */
public final class SharedFactors {
    private final AdapterPrecision precision;
    private final Map<Integer, List<WeightMatrix>> byHash = new HashMap<>();

    /** Factors held in F32, as stored in PEFT files. */
    public SharedFactors() {
        this(AdapterPrecision.F32);
    }

    public SharedFactors(AdapterPrecision precision) {
        this.precision = precision;
    }

    public AdapterPrecision precision() {
        return precision;
    }

    /** {@code m} in this precision: the instance already seen with the same shape and values, else a new one (remembered). */
    public synchronized WeightMatrix canonical(String name, WeightMatrix m) {
        WeightMatrix held = precision.store(name, m);
        List<WeightMatrix> candidates = byHash.computeIfAbsent(SameValues.hash(held), h -> new ArrayList<>());
        for (WeightMatrix known : candidates) if (SameValues.of(known, held)) return known;
        candidates.add(held);
        return held;
    }
}
