package dev.lorillama.runtime.format;

import java.lang.foreign.Arena;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Tensors by name, all slices of files memory-mapped (or copied, {@link WeightMemory}) in one
 * arena that lives as long as this object: what a checkpoint directory and a GGUF file both are
 * once opened.
 */
public abstract class MappedTensors implements TensorSource, AutoCloseable {
    private final Map<String, TensorData> tensors;
    private final Arena arena;
    private final WeightMemory weightMemory;

    protected MappedTensors(Map<String, TensorData> tensors, Arena arena, WeightMemory weightMemory) {
        this.tensors = tensors;
        this.arena = arena;
        this.weightMemory = weightMemory;
    }

    /** Whether the files are mapped or were read into memory. */
    public final WeightMemory weightMemory() {
        return weightMemory;
    }

    /** Every tensor, in file order. */
    public final Map<String, TensorData> tensors() {
        return tensors;
    }

    @Override
    public final Optional<TensorData> find(String name) {
        return Optional.ofNullable(tensors.get(name));
    }

    @Override
    public final Set<String> names() {
        return tensors.keySet();
    }

    /** Unmaps the files: every tensor of this object becomes unusable. */
    @Override
    public final void close() {
        arena.close();
    }
}
