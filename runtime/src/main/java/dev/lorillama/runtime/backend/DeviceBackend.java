package dev.lorillama.runtime.backend;

import dev.lorillama.runtime.model.LlamaModel;
import java.util.Optional;

/**
 * A backend that runs whole forward passes on an accelerator, with the weights, the KV caches and
 * the activations resident there: per step only token ids go in and logits come out, so nothing
 * crosses between host and device per operation. Implementations are found at run time with
 * {@link java.util.ServiceLoader} (the optional {@code gpu} module provides the TornadoVM one);
 * {@link DeviceBackends} picks one for a {@link Device}.
 */
public interface DeviceBackend {
    /** What it is, for messages: e.g. "TornadoVM". */
    String name();

    /** Empty when it can run here; else one sentence saying why not and what to do. */
    Optional<String> unavailableReason();

    /** Uploads what {@code load} names and returns the resident model. */
    DeviceModel load(LlamaModel model, DeviceLoad load);
}
