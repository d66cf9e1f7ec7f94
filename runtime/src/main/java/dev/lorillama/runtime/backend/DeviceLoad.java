package dev.lorillama.runtime.backend;

import dev.lorillama.runtime.model.LinearProvider;
import java.util.List;

/**
 * What a {@link DeviceBackend} keeps resident.
 *
 * @param weights       the projections whose weights are uploaded: the base model's, or merged ones
 * @param adapters      adapters to keep beside them, one provider each (for the GPU module: lori's
 *                      unmerged providers of one adapter); forward passes may then use any mix of them
 * @param contextLength KV cache positions per sequence
 * @param sequences     KV caches kept on the device at once; more sequences take turns (see
 *                      {@link DeviceSequence})
 */
public record DeviceLoad(LinearProvider weights, List<? extends LinearProvider> adapters, int contextLength, int sequences) {
    public DeviceLoad {
        adapters = List.copyOf(adapters);
        if (contextLength < 1) throw new IllegalArgumentException("context length must be >= 1, got " + contextLength);
        if (sequences < 1) throw new IllegalArgumentException("device sequences must be >= 1, got " + sequences);
    }
}
