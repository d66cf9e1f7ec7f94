package dev.lorillama.chat;

import dev.lorillama.api.AdapterMix;
import dev.lorillama.lori.Combination;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The chat's {@code /adapter} argument: {@code NAME[+NAME...] [W,W...] [cat|linear]} as the
 * command line's --adapter/--weights/--combination say it, the server's form
 * ({@code nlu*0.6+code*0.4 (linear)}), or {@code none} for the base model.
 */
final class AdapterSwitch {
    private AdapterSwitch() {}

    static AdapterMix parse(String argument) {
        String[] parts = argument.strip().split("\\s+");
        if (parts.length == 1 && List.of("none", "base").contains(parts[0].toLowerCase(Locale.ROOT))) return AdapterMix.NONE;
        if (parts[0].contains("*") || argument.contains("(")) return AdapterMix.parse(argument.strip(), "base");
        Combination combination = Combination.CAT;
        int last = parts.length;
        if (last > 1 && List.of("cat", "linear").contains(parts[last - 1].toLowerCase(Locale.ROOT))) {
            combination = Combination.parse(parts[--last].toLowerCase(Locale.ROOT));
        }
        if (last > 2) throw new IllegalArgumentException("usage: /adapter NAME[+NAME...] [W,W...] [cat|linear], or /adapter none");
        String[] names = parts[0].split("\\+", -1);
        String[] weights = last == 2 ? parts[1].split(",", -1) : null;
        if (weights != null && weights.length != names.length) {
            throw new IllegalArgumentException(weights.length + " weights for " + names.length + " adapters");
        }
        Map<String, Double> mix = new LinkedHashMap<>();
        for (int i = 0; i < names.length; i++) {
            if (names[i].isBlank()) throw new IllegalArgumentException("'" + parts[0] + "' has an empty adapter name");
            double w;
            try {
                w = weights == null ? 1.0 : Double.parseDouble(weights[i]);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("weight '" + weights[i] + "' is not a number");
            }
            if (mix.put(names[i], w) != null) throw new IllegalArgumentException("adapter '" + names[i] + "' named twice");
        }
        return new AdapterMix(mix, combination);
    }
}
