package dev.lorillama.runtime.format;

/**
 * Where a model's weights live once loaded (llama.cpp's {@code --mmap} / {@code --no-mmap}).
 */
public enum WeightMemory {
    /**
     * The file is memory-mapped: loading is immediate, pages are read on first use, and the
     * weights are page-cache pages shared with every other process that maps the file.
     */
    MAPPED,
    /**
     * The file is read into anonymous memory of this process, in 2 MiB huge pages where the
     * kernel gives them (Linux: madvise MADV_HUGEPAGE): loading reads the whole file, and
     * decoding then reads the weights through fewer TLB entries.
     */
    COPIED;

    /**
     * What a model run on the CPU loads with when nothing is asked: decoding measured 4-35% faster
     * from the copy than through the mapping, for seconds more of loading (docs/BENCHMARKS.md,
     * "Weight memory"). A model run on a GPU keeps {@link #MAPPED}: its weights live on the device.
     */
    public static final WeightMemory DEFAULT = COPIED;

    /** {@code chosen}, or when null the default for a model run on the CPU or on a device. */
    public static WeightMemory orDefault(WeightMemory chosen, boolean onDevice) {
        if (chosen != null) return chosen;
        return onDevice ? MAPPED : DEFAULT;
    }

    /** The option that selects it, as a user types it. */
    public String flag() {
        return this == MAPPED ? "--mmap" : "--no-mmap";
    }
}
