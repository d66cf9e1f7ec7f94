package dev.lorillama.api;

import dev.lorillama.lori.Combination;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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
    /** How {@link #describe()} ends a mix that is not cat. */
    private static final Pattern COMBINATION_SUFFIX = Pattern.compile(" \\((cat|linear)\\)$");

    public AdapterMix {
        weights = Collections.unmodifiableMap(new LinkedHashMap<>(weights));
        if (combination == null) throw new IllegalArgumentException("an adapter mix needs a combination (cat or linear)");
        weights.forEach((name, w) -> {
            if (!Double.isFinite(w)) throw new IllegalArgumentException("the weight of adapter '" + name + "' is " + w + " (must be a finite number)");
            if (combination == Combination.LINEAR && w < 0) {
                throw new IllegalArgumentException("the weight of adapter '" + name + "' is " + w + ": linear needs weights >= 0 (it takes √(w·s))");
            }
        });
    }

    /** The named adapters, weight 1 each, combined with {@code cat}. */
    public static AdapterMix of(String... names) {
        Map<String, Double> w = new LinkedHashMap<>();
        for (String name : names) w.put(name, 1.0);
        return new AdapterMix(w, Combination.CAT);
    }

    /**
     * Parses a model name as the server's {@code model} field uses it, the inverse of
     * {@link #describe()}: {@code ""} or the base's name is the base model; {@code "nlu"} one
     * adapter; {@code "nlu+code"} several, cat, weight 1 each; {@code "nlu*0.6+code*0.4"} with
     * weights; a trailing {@code " (linear)"} or {@code " (cat)"} picks the combination.
     *
     * @throws IllegalArgumentException naming the part that is not a name or a weight
     */
    public static AdapterMix parse(String name, String baseName) {
        if (name == null || name.isBlank() || name.equals(baseName)) return NONE;
        Combination combination = Combination.CAT;
        Matcher suffix = COMBINATION_SUFFIX.matcher(name);
        if (suffix.find()) {
            combination = Combination.parse(suffix.group(1));
            name = name.substring(0, suffix.start());
        }
        Map<String, Double> weights = new LinkedHashMap<>();
        for (String part : name.split("\\+", -1)) {
            int star = part.lastIndexOf('*');
            String adapter = star < 0 ? part : part.substring(0, star);
            if (adapter.isBlank()) throw new IllegalArgumentException("'" + name + "' has an empty adapter name");
            if (weights.put(adapter, star < 0 ? 1.0 : weight(part.substring(star + 1), adapter)) != null) {
                throw new IllegalArgumentException("'" + name + "' names adapter '" + adapter + "' twice");
            }
        }
        return new AdapterMix(weights, combination);
    }

    private static double weight(String text, String adapter) {
        try {
            return Double.parseDouble(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("the weight of adapter '" + adapter + "' is '" + text + "', not a number");
        }
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
