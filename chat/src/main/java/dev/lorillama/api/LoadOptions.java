package dev.lorillama.api;

import dev.lorillama.lori.AdapterPrecision;
import dev.lorillama.lori.MergePrecision;
import dev.lorillama.runtime.backend.Device;
import dev.lorillama.runtime.format.WeightMemory;
import dev.lorillama.runtime.model.ModelLoader;
import dev.lorillama.runtime.tensor.ThreadCount;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How {@link Llama#load} opens a model. A small mutable builder: set what differs from the
 * defaults, then pass it to {@code load}.
 */
public final class LoadOptions {
    /** Context length when none is given and the model allows more: KV cache memory grows with it. */
    public static final int DEFAULT_CONTEXT = 4096;
    /** Sequences generated in one batch when none is given. */
    public static final int DEFAULT_BATCH_SIZE = 8;
    /** Prompts that may wait for a place in the batch when none is given. */
    public static final int DEFAULT_QUEUE_SIZE = 64;

    private int threads = ModelLoader.defaultThreads();
    private Integer contextLength;
    private WeightMemory weightMemory; // null: the default for where the model runs
    private final Map<String, Path> adapters = new LinkedHashMap<>();
    private AdapterMix defaultMix = AdapterMix.NONE;
    private boolean mergeDefaultMix;
    private AdapterPrecision adapterPrecision = AdapterPrecision.DEFAULT;
    private MergePrecision mergePrecision = MergePrecision.BASE;
    private Path tokenizer;
    private LoadProgress progress = LoadProgress.NONE;
    private Device device = Device.CPU;
    private int deviceSequences = 4;
    private int batchSize = DEFAULT_BATCH_SIZE;
    private Long kvBudget;
    private int queueSize = DEFAULT_QUEUE_SIZE;

    public static LoadOptions defaults() {
        return new LoadOptions();
    }

    /**
     * Worker threads for the kernels (default: all cores). More than the cores is capped with a
     * warning (System.Logger "dev.lorillama"), so a program written for a big machine still runs on a small one.
     */
    public LoadOptions threads(int n) {
        this.threads = ThreadCount.capped("threads", n, warning -> System.getLogger("dev.lorillama").log(System.Logger.Level.WARNING, warning));
        return this;
    }

    /**
     * Whether the weights file is memory-mapped ({@link WeightMemory#MAPPED}, the CLI's {@code --mmap})
     * or read into this process's memory ({@link WeightMemory#COPIED}, {@code --no-mmap}). Default:
     * {@link WeightMemory#DEFAULT} (copied: faster decoding, slower loading) on the CPU, mapped on a GPU.
     */
    public LoadOptions weightMemory(WeightMemory memory) {
        this.weightMemory = java.util.Objects.requireNonNull(memory, "weight memory");
        return this;
    }

    /** As {@link #weightMemory}: {@code true} maps the file (llama.cpp's {@code use_mmap}), {@code false} copies it. */
    public LoadOptions mmap(boolean map) {
        return weightMemory(map ? WeightMemory.MAPPED : WeightMemory.COPIED);
    }

    /** KV cache size of every session, in tokens (default: min(model maximum, {@value #DEFAULT_CONTEXT})). */
    public LoadOptions contextLength(int tokens) {
        if (tokens < 2) throw new IllegalArgumentException("context length must be >= 2, got " + tokens);
        this.contextLength = tokens;
        return this;
    }

    /** Loads a PEFT LoRA/LoRI adapter directory under {@code name}; sessions select it by name. */
    public LoadOptions adapter(String name, Path dir) {
        if (name == null || name.isBlank() || name.contains("+")) {
            throw new IllegalArgumentException("adapter name '" + name + "' must be non-empty and without '+'");
        }
        if (adapters.putIfAbsent(name, dir) != null) throw new IllegalArgumentException("adapter name '" + name + "' given twice");
        return this;
    }

    /** The adapters new sessions start with (default: none, the base model). */
    public LoadOptions defaultMix(AdapterMix mix) {
        this.defaultMix = mix;
        return this;
    }

    /**
     * Merge the default mix into the weights once at load time: fastest decoding for a fixed
     * set, but that mix then costs a copy of the adapted projections' weights.
     */
    public LoadOptions mergeDefaultMix(boolean merge) {
        this.mergeDefaultMix = merge;
        return this;
    }

    /**
     * What the adapters' A and B are held in, and read at every token when applied unmerged (default
     * {@link AdapterPrecision#DEFAULT}): BF16 or F16 halve those bytes, rounding each factor once at load.
     */
    public LoadOptions adapterPrecision(AdapterPrecision precision) {
        this.adapterPrecision = java.util.Objects.requireNonNull(precision, "precision");
        return this;
    }

    /**
     * The type merged weights are stored in ({@link #mergeDefaultMix}): {@link MergePrecision#BASE}
     * (default) keeps each projection's own type, quantizing the merged rows again, so decoding
     * stays at the base's speed; {@link MergePrecision#BF16} stores quantized projections merged in
     * BF16 (closer to the exact merge, twice Q8_0's bytes). Float bases always keep their type.
     */
    public LoadOptions mergePrecision(MergePrecision precision) {
        this.mergePrecision = java.util.Objects.requireNonNull(precision, "merge precision");
        return this;
    }

    /** A tokenizer file or directory, when the model's own directory has none. */
    public LoadOptions tokenizer(Path fileOrDir) {
        this.tokenizer = fileOrDir;
        return this;
    }

    /** Told about each loading step (e.g. to draw a progress bar). */
    public LoadOptions progress(LoadProgress listener) {
        this.progress = listener;
        return this;
    }

    /**
     * Where the model runs (default: the CPU). {@link Device#GPU} needs TornadoVM (see the README);
     * {@link Llama#load} then fails with a message saying what is missing. {@link Device#AUTO}
     * takes the GPU when there is one.
     */
    public LoadOptions device(Device where) {
        this.device = java.util.Objects.requireNonNull(where, "device");
        return this;
    }

    /**
     * On a GPU: how many sessions keep their KV cache there at once (default 4); further sessions
     * take turns, recomputing their cache when they run again.
     */
    public LoadOptions deviceSequences(int n) {
        if (n < 1) throw new IllegalArgumentException("device sequences must be >= 1, got " + n);
        this.deviceSequences = n;
        return this;
    }

    /**
     * Batch generation ({@link Llama#submit}, {@link Llama#generateAll}): at most {@code n}
     * sequences generate together, one token each per step (default {@value #DEFAULT_BATCH_SIZE}).
     */
    public LoadOptions batchSize(int n) {
        if (n < 1) throw new IllegalArgumentException("batch size must be >= 1, got " + n);
        this.batchSize = n;
        return this;
    }

    /**
     * KV cache positions the sequences of a batch may reserve together (each reserves its prompt
     * and its max tokens, at most the context length); prompts wait while it is spent. Default:
     * batch size × context length. Bounds the memory of batch generation: see
     * {@link Llama#batchMemoryBytes()}.
     */
    public LoadOptions kvBudget(long tokens) {
        if (tokens < 2) throw new IllegalArgumentException("KV budget must be >= 2 tokens, got " + tokens);
        this.kvBudget = tokens;
        return this;
    }

    /** Prompts that may wait for a place in the batch; {@link Llama#submit} refuses more (default {@value #DEFAULT_QUEUE_SIZE}). */
    public LoadOptions queueSize(int n) {
        if (n < 0) throw new IllegalArgumentException("queue size must be >= 0, got " + n);
        this.queueSize = n;
        return this;
    }

    int batchSize() {
        return batchSize;
    }

    Long kvBudget() {
        return kvBudget;
    }

    int queueSize() {
        return queueSize;
    }

    Device device() {
        return device;
    }

    int deviceSequences() {
        return deviceSequences;
    }

    int threads() {
        return threads;
    }

    WeightMemory weightMemory() {
        return weightMemory;
    }

    Integer contextLength() {
        return contextLength;
    }

    Map<String, Path> adapters() {
        return Collections.unmodifiableMap(adapters);
    }

    AdapterMix defaultMix() {
        return defaultMix;
    }

    boolean mergeDefaultMix() {
        return mergeDefaultMix;
    }

    AdapterPrecision adapterPrecision() {
        return adapterPrecision;
    }

    MergePrecision mergePrecision() {
        return mergePrecision;
    }

    Path tokenizer() {
        return tokenizer;
    }

    LoadProgress progress() {
        return progress;
    }
}
