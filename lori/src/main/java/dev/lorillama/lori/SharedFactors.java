package dev.lorillama.lori;

import dev.lorillama.runtime.tensor.FloatArrayMatrix;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One instance per distinct adapter factor: LoRI freezes A at its random initialisation, so
 * adapters trained from one seed and rank hold the same A bit for bit. Loaded through one
 * {@code SharedFactors}, they get the same A object: it is kept in memory once (~0.3 GB per
 * rank-64 adapter of an 8B model), and a batch whose rows use different such adapters computes
 * {@code A·x} once for all of them (it compares A's by identity).
 */
public final class SharedFactors {
    private final Map<Integer, List<FloatArrayMatrix>> byHash = new HashMap<>();

    /** The instance already seen with the same shape and values, else {@code m} (remembered). */
    public synchronized FloatArrayMatrix canonical(FloatArrayMatrix m) {
        List<FloatArrayMatrix> candidates = byHash.computeIfAbsent(m.valuesHash(), h -> new ArrayList<>());
        for (FloatArrayMatrix known : candidates) if (known.sameValues(m)) return known;
        candidates.add(m);
        return m;
    }
}
