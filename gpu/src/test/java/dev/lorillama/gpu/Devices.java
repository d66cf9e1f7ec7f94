package dev.lorillama.gpu;

import dev.lorillama.lori.LoraAdapter;
import dev.lorillama.runtime.backend.DeviceLoad;
import dev.lorillama.runtime.model.LinearProvider;
import dev.lorillama.runtime.model.LlamaModel;
import java.util.List;

/** Puts a model on the TornadoVM device as the commands do. */
final class Devices {
    private Devices() {}

    /** The base weights (or {@code weights}), the adapters resident, KV caches for {@code sequences} sequences of 64 positions. */
    static void place(LlamaModel model, LinearProvider weights, List<LoraAdapter> adapters, int sequences) {
        List<LinearProvider> resident = adapters.stream().<LinearProvider>map(a -> a.unmerged(model)).toList();
        model.runOn(new TornadoBackend().load(model, new DeviceLoad(weights, resident, 64, sequences)));
    }

    static void place(LlamaModel model) {
        place(model, model.baseLinears(), List.of(), 1);
    }
}
