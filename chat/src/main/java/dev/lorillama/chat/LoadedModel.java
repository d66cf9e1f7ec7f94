package dev.lorillama.chat;

import dev.lorillama.lori.AdapterSet;
import dev.lorillama.lori.Combination;
import dev.lorillama.lori.LoraAdapter;
import dev.lorillama.lori.MergePrecision;
import dev.lorillama.lori.SharedFactors;
import dev.lorillama.runtime.backend.Device;
import dev.lorillama.runtime.backend.DeviceBackend;
import dev.lorillama.runtime.backend.DeviceBackends;
import dev.lorillama.runtime.backend.DeviceLoad;
import dev.lorillama.runtime.model.LinearProvider;
import dev.lorillama.runtime.model.LlamaModel;
import dev.lorillama.runtime.model.ModelLoader;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** A model opened from the command line, with the adapter set the options ask for. */
record LoadedModel(LlamaModel model, LinearProvider linears, AdapterSet adapterSet, List<LoraAdapter> adapters, Arena merged)
        implements AutoCloseable {

    static LoadedModel open(ModelOptions options, AdapterOptions adapterOptions, AdapterSet.MergeProgress progress) {
        return open(options, adapterOptions, progress, Device.CPU, 1);
    }

    /** On {@code device}, with one sequence of up to {@code contextLength} positions. */
    static LoadedModel open(ModelOptions options, AdapterOptions adapterOptions, Device device, int contextLength) {
        return open(options, adapterOptions, AdapterSet.MergeProgress.NONE, device, contextLength);
    }

    private static LoadedModel open(ModelOptions options, AdapterOptions adapterOptions, AdapterSet.MergeProgress progress,
                                    Device device, int contextLength) {
        Optional<DeviceBackend> backend = DeviceBackends.select(device); // a missing GPU fails before loading
        LlamaModel model = ModelLoader.load(options.path(), options.threads(), options.weightMemory(backend.isPresent()));
        List<LoraAdapter> adapters = new ArrayList<>();
        try {
            LoadedModel loaded = withAdapters(model, adapterOptions.dirs(options), adapterOptions, progress, adapters);
            // On a device the adapters stay resident beside the base; merged weights replace it there.
            backend.ifPresent(b -> model.runOn(b.load(model, new DeviceLoad(
                    loaded.merged() != null ? loaded.linears() : model.baseLinears(),
                    loaded.merged() != null ? List.of() : adapters.stream().<LinearProvider>map(a -> a.unmerged(model)).toList(),
                    contextLength, 1))));
            return loaded;
        } catch (RuntimeException e) {
            adapters.forEach(LoraAdapter::close);
            try {
                model.close();
            } catch (Exception ignored) {
                // already failing: report the first problem
            }
            throw e;
        }
    }

    private static LoadedModel withAdapters(LlamaModel model, List<Path> dirs, AdapterOptions adapterOptions,
                                            AdapterSet.MergeProgress progress, List<LoraAdapter> adapters) {
        MergePrecision precision = adapterOptions.mergePrecision(); // a misplaced or unknown value fails before any work
        if (adapterOptions.adapters.isEmpty()) {
            if (!adapterOptions.weights.isEmpty() || adapterOptions.merged) {
                throw new IllegalArgumentException("--weights and --merged need at least one --adapter");
            }
            return new LoadedModel(model, model.baseLinears(), null, adapters, null);
        }
        Combination combination = Combination.parse(adapterOptions.combination);
        // adapters from one seed keep one copy of their A
        SharedFactors shared = new SharedFactors(adapterOptions.precision.value());
        for (Path dir : dirs) {
            LoraAdapter adapter = LoraAdapter.load(dir, model.config(), shared);
            adapter.notes().forEach(note -> System.err.println("note: " + note));
            adapters.add(adapter);
        }
        AdapterSet set = AdapterSet.of(adapters, adapterOptions.weights, combination, model.config());
        if (adapterOptions.merged) {
            Arena arena = Arena.ofShared();
            try {
                return new LoadedModel(model, set.merged(model, arena, withNotes(progress), precision), set,
                        adapters, arena);
            } catch (RuntimeException e) {
                arena.close();
                throw e;
            }
        }
        return new LoadedModel(model, set.unmerged(model), set, adapters, null);
    }

    /** {@code progress}, with its notes printed on stderr (a bar, if any, prints its own). */
    private static AdapterSet.MergeProgress withNotes(AdapterSet.MergeProgress progress) {
        return new AdapterSet.MergeProgress() {
            @Override
            public void step(int done, int total) {
                progress.step(done, total);
            }

            @Override
            public void note(String text) {
                if (progress == AdapterSet.MergeProgress.NONE) System.err.println("note: " + text);
                else progress.note(text);
            }
        };
    }

    @Override
    public void close() throws Exception {
        if (adapterSet != null) adapterSet.close();
        if (merged != null) merged.close();
        adapters.forEach(LoraAdapter::close);
        model.close();
    }
}
