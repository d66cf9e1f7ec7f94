package dev.lorillama.chat;

import dev.lorillama.api.AdapterMix;
import dev.lorillama.api.LoadOptions;
import dev.lorillama.api.LoadProgress;
import dev.lorillama.api.Llama;
import dev.lorillama.lori.Combination;
import dev.lorillama.lori.MergePrecision;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/** Turns the command-line model and adapter options into a {@link Llama} (with a progress bar). */
final class ModelLoading {
    private ModelLoading() {}

    static Llama load(ModelOptions model, AdapterOptions adapters, DeviceOption device, Path tokenizer, LoadProgress progress) {
        return load(model, adapters, device, tokenizer, progress, options -> {});
    }

    /** As above, with more options set by {@code more} (batch limits, ...). */
    static Llama load(ModelOptions model, AdapterOptions adapters, DeviceOption device, Path tokenizer, LoadProgress progress,
                      Consumer<LoadOptions> more) {
        MergePrecision precision = adapters.mergePrecision(); // a misplaced or unknown value fails before any work
        LoadOptions options = LoadOptions.defaults().threads(model.threads()).device(device.device()).progress(progress);
        more.accept(options);
        if (model.weightMemory() != null) options.weightMemory(model.weightMemory());
        if (model.context != null) options.contextLength(model.context);
        if (tokenizer != null) options.tokenizer(tokenizer);
        if (!adapters.weights.isEmpty() && adapters.weights.size() != adapters.adapters.size()) {
            throw new IllegalArgumentException("--weights: " + adapters.weights.size() + " weights given for "
                    + adapters.adapters.size() + " adapters");
        }
        if (adapters.adapters.isEmpty() && (!adapters.weights.isEmpty() || adapters.merged)) {
            throw new IllegalArgumentException("--weights and --merged need at least one --adapter");
        }
        Map<String, Double> weights = new LinkedHashMap<>();
        List<Path> dirs = adapters.dirs(model);
        for (int i = 0; i < dirs.size(); i++) {
            String name = uniqueName(AdapterOptions.name(adapters.adapters.get(i)), weights);
            options.adapter(name, dirs.get(i));
            weights.put(name, adapters.weights.isEmpty() ? 1.0 : adapters.weights.get(i));
        }
        options.defaultMix(new AdapterMix(weights, Combination.parse(adapters.combination)));
        options.mergeDefaultMix(adapters.merged);
        options.adapterPrecision(adapters.precision.value());
        options.mergePrecision(precision);
        return Llama.load(model.path(), options);
    }

    /** The adapter's name, numbered when two adapters share a name. */
    private static String uniqueName(String base, Map<String, Double> taken) {
        String name = base;
        for (int i = 2; taken.containsKey(name); i++) name = base + "-" + i;
        return name;
    }
}
