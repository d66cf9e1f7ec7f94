package dev.lorillama.api;

import dev.lorillama.lori.Combination;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Which loaded adapters a session applies, with what weights, combined how (PEFT
 * {@code add_weighted_adapter}: {@link Combination#CAT} sums the weighted deltas exactly,
 * {@link Combination#LINEAR} sums A's and B's). The empty mix is the base model.
 *
 * @param weights adapter name → weight, in order
 */
public record AdapterMix(Map<String, Double> weights, Combination combination) {
    /** The base model, no adapter. */
    public static final AdapterMix NONE = new AdapterMix(Map.of(), Combination.CAT);

    public AdapterMix {
        weights = Collections.unmodifiableMap(new LinkedHashMap<>(weights));
        if (combination == null) throw new IllegalArgumentException("an adapter mix needs a combination (cat or linear)");
    }

    /** The named adapters, weight 1 each, combined with {@code cat}. */
    public static AdapterMix of(String... names) {
        Map<String, Double> w = new LinkedHashMap<>();
        for (String name : names) w.put(name, 1.0);
        return new AdapterMix(w, Combination.CAT);
    }

    /**
     * Parses a model name as the server's {@code model} field uses it: {@code ""} or {@code base}
     * is the base model; {@code "nlu"} one adapter; {@code "nlu+code"} several, cat, weight 1 each.
     */
    public static AdapterMix parse(String name, String baseName) {
        if (name == null || name.isBlank() || name.equals(baseName)) return NONE;
        return of(name.split("\\+", -1));
    }

    public boolean isBase() {
        return weights.isEmpty();
    }

    /** {@code base}, {@code nlu}, {@code nlu+code}, or {@code nlu*0.6+code*0.4 (linear)} when weights or combination differ from the defaults. */
    public String describe() {
        if (isBase()) return "base";
        StringBuilder s = new StringBuilder();
        weights.forEach((name, w) -> {
            if (!s.isEmpty()) s.append('+');
            s.append(name);
            if (w != 1.0) s.append('*').append(w);
        });
        if (combination != Combination.CAT) s.append(" (").append(combination.name().toLowerCase(Locale.ROOT)).append(')');
        return s.toString();
    }
}
