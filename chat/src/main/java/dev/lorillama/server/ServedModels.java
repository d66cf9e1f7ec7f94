package dev.lorillama.server;

import dev.lorillama.api.AdapterMix;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The names the {@code model} field may take: the base model's id (or "base"), each loaded
 * adapter, and adapters joined with '+' (a cat merge, weight 1 each), with weights and a
 * combination if wanted ({@code "nlu*0.6+code*0.4 (linear)"}, see {@link AdapterMix#parse}), all
 * on the one base.
 */
final class ServedModels {
    static final String BASE_ALIAS = "base";

    private final String baseId;
    private final Set<String> adapters;

    ServedModels(String baseId, Set<String> adapters) {
        this.baseId = baseId;
        this.adapters = adapters;
    }

    /** The ids /v1/models lists: the base, then each adapter. */
    List<String> ids() {
        List<String> ids = new ArrayList<>();
        ids.add(baseId);
        ids.addAll(adapters);
        return ids;
    }

    String baseId() {
        return baseId;
    }

    /** The adapters a model name asks for; a 404 model_not_found error for unknown names. */
    AdapterMix resolve(String model) {
        if (model == null || model.equals(baseId) || model.equals(BASE_ALIAS)) return AdapterMix.NONE;
        AdapterMix mix;
        try {
            mix = AdapterMix.parse(model, baseId);
        } catch (IllegalArgumentException e) {
            throw ApiError.invalid("model", "The model '" + model + "' is not a valid adapter mix: " + e.getMessage());
        }
        for (String name : mix.weights().keySet()) {
            if (!adapters.contains(name)) throw ApiError.unknownModel(model, String.join(", ", ids()));
        }
        return mix;
    }

    /** {@code model} itself when it names something served (the base, an adapter, a mix of them); else a 404 model_not_found. */
    String known(String model) {
        try {
            resolve(model);
        } catch (ApiError e) {
            if (e.status == 400) throw ApiError.unknownModel(model, String.join(", ", ids())); // not even a well-formed mix
            throw e;
        }
        return model;
    }
}
