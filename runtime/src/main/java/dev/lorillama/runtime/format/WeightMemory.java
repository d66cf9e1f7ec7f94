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

    /** What a model loads with when nothing is asked: measured in docs/BENCHMARKS.md ("Weight memory"). */
    public static final WeightMemory DEFAULT = MAPPED;

    /** The option that selects it, as a user types it. */
    public String flag() {
        return this == MAPPED ? "--mmap" : "--no-mmap";
    }
}
