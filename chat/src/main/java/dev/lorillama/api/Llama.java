package dev.lorillama.api;

import dev.lorillama.lori.AdapterSet;
import dev.lorillama.lori.MergePrecision;
import dev.lorillama.runtime.format.WeightMemory;
import dev.lorillama.lori.LoraAdapter;
import dev.lorillama.lori.SharedFactors;
import dev.lorillama.runtime.UserInputException;
import dev.lorillama.runtime.backend.DeviceBackend;
import dev.lorillama.runtime.backend.DeviceBackends;
import dev.lorillama.runtime.backend.DeviceLoad;
import dev.lorillama.runtime.backend.DeviceModel;
import dev.lorillama.runtime.generate.GenerationOptions;
import dev.lorillama.runtime.generate.LogitsHook;
import dev.lorillama.runtime.generate.QueueFullException;
import dev.lorillama.runtime.generate.Scheduler;
import dev.lorillama.runtime.generate.Ticket;
import dev.lorillama.runtime.grammar.JsonGrammar;
import dev.lorillama.runtime.grammar.JsonShape;
import dev.lorillama.runtime.grammar.TokenTrie;
import com.fasterxml.jackson.databind.JsonNode;
import dev.lorillama.runtime.model.LinearProvider;
import dev.lorillama.runtime.model.LlamaConfig;
import dev.lorillama.runtime.model.LlamaModel;
import dev.lorillama.runtime.model.ModelLoader;
import dev.lorillama.tokenizer.ChatFormat;
import dev.lorillama.tokenizer.Tokenizer;
import dev.lorillama.tokenizer.TokenizerException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A loaded Llama 3 model: the base weights (memory-mapped, loaded once), its tokenizer, and named
 * LoRA/LoRI adapters that sessions apply on the fly.
 *
 * <pre>{@code
 * try (Llama llama = Llama.load(Path.of("Llama-3-8B-Instruct"),
 *         LoadOptions.defaults().contextLength(4096).adapter("nlu", Path.of("LoRI-S_nlu_llama3_rank_32")));
 *      Session session = llama.newSession()) {
 *     session.useAdapters(AdapterMix.of("nlu"));
 *     Reply reply = session.chat("Is the sky blue? Answer true or false.",
 *             GenerationSettings.greedy(64), System.out::print);
 * }
 * }</pre>
 * (README.md, section "Programmatic API", has the longer example.)
 *
 * <p><b>Thread safety.</b> A {@code Llama} is safe to share between threads: open one
 * {@link Session} per thread (or per conversation). Sessions share only immutable data (the
 * weights, the tokenizer, the adapters and the projections built from them); each owns its KV
 * cache, activations and sampler, so sessions that run at the same time never see each other's
 * state. Their kernels interleave on the model's worker pool one operation at a time, so N
 * concurrent sessions each run at about 1/N of the speed of one. Close the {@code Llama} only
 * after its sessions are done.
 */
public final class Llama implements AutoCloseable {
    private final LlamaModel model;
    private final Tokenizer tokenizer;
    private final ChatFormat chatFormat; // null when the tokenizer has no Llama 3 chat tokens
    private final Map<String, LoraAdapter> adapters;
    private final int contextLength;
    private final AdapterMix defaultMix;
    private final Map<AdapterMix, Adapted> mixes = new ConcurrentHashMap<>();
    private final Arena mergedWeights;
    private final Scheduler.Limits batchLimits;
    private Scheduler scheduler; // made on first use
    private TokenTrie vocabulary; // made at the first constrained prompt
    /** JSON grammars by schema, the most recently used last: a server sees the same few schemas again and again. */
    private final Map<JsonNode, JsonGrammar> grammars = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<JsonNode, JsonGrammar> eldest) {
            return size() > 16;
        }
    };

    /** The projections of one adapter mix, and what to close with it. */
    private record Adapted(LinearProvider linears, AdapterSet set) {}

    private Llama(LlamaModel model, Tokenizer tokenizer, Map<String, LoraAdapter> adapters, int contextLength,
                  AdapterMix defaultMix, Arena mergedWeights, Scheduler.Limits batchLimits) {
        this.model = model;
        this.batchLimits = batchLimits;
        this.tokenizer = tokenizer;
        this.adapters = adapters;
        this.contextLength = contextLength;
        this.defaultMix = defaultMix;
        this.mergedWeights = mergedWeights;
        ChatFormat format;
        try {
            format = new ChatFormat(tokenizer);
        } catch (TokenizerException noChatTokens) {
            format = null;
        }
        this.chatFormat = format;
    }

    /**
     * Loads a model: a Hugging Face checkpoint directory (config.json, *.safetensors,
     * tokenizer.json) or what else {@link ModelLoader} accepts, and the adapters of the options.
     *
     * @throws UserInputException for a missing or malformed model, tokenizer or adapter (the
     *                            message names the file and field)
     */
    public static Llama load(Path path, LoadOptions options) {
        if (!Files.exists(path)) throw new UserInputException(path + ": no such file or directory");
        Optional<DeviceBackend> device = DeviceBackends.select(options.device()); // a missing GPU fails before loading
        LoadProgress progress = options.progress();
        progress.total(1 + options.adapters().size());
        Tokenizer tokenizer = loadTokenizer(path, options.tokenizer());
        LlamaModel model = ModelLoader.load(path, options.threads(), WeightMemory.orDefault(options.weightMemory(), device.isPresent()));
        progress.step("model");
        Map<String, LoraAdapter> adapters = new LinkedHashMap<>();
        Arena merged = null;
        try {
            if (tokenizer.vocabSize() > model.config().vocabSize()) {
                throw new UserInputException("tokenizer of " + path + " has " + tokenizer.vocabSize()
                        + " ids but the model's vocab_size is " + model.config().vocabSize());
            }
            // adapters from one seed share their A: stored once, A·x once per batch
            SharedFactors shared = new SharedFactors(options.adapterPrecision());
            for (var e : options.adapters().entrySet()) {
                adapters.put(e.getKey(), LoraAdapter.load(e.getValue(), model.config(), shared));
                progress.step(e.getKey());
            }
            int maxContext = model.config().maxPositions();
            int context = options.contextLength() == null ? Math.min(maxContext, LoadOptions.DEFAULT_CONTEXT) : options.contextLength();
            if (context > maxContext) {
                throw new UserInputException("context length " + context + " is more than the model's maximum ("
                        + maxContext + ", max_position_embeddings)");
            }
            long kvBudget = options.kvBudget() != null ? options.kvBudget() : (long) options.batchSize() * context;
            Llama llama = new Llama(model, tokenizer, adapters, context, options.defaultMix(),
                    options.mergeDefaultMix() && !options.defaultMix().isBase() ? Arena.ofShared() : null,
                    new Scheduler.Limits(options.batchSize(), kvBudget, options.queueSize()));
            merged = llama.mergedWeights;
            llama.checkMix(options.defaultMix());
            if (merged != null) llama.mergeDefault(progress, options.mergePrecision());
            if (device.isPresent()) llama.placeOn(device.get(), options.deviceSequences());
            return llama;
        } catch (RuntimeException e) {
            if (merged != null) merged.close();
            adapters.values().forEach(LoraAdapter::close);
            try {
                model.close();
            } catch (Exception closing) {
                e.addSuppressed(closing);
            }
            throw e;
        } finally {
            progress.done();
        }
    }

    /** The given tokenizer, else the checkpoint directory's, else a tokenizer.json beside a model file. */
    private static Tokenizer loadTokenizer(Path model, Path explicit) {
        return ModelTokenizer.forModel(model, explicit);
    }

    private void mergeDefault(LoadProgress progress, MergePrecision mergePrecision) {
        AdapterSet set = newAdapterSet(defaultMix);
        int[] announced = {0};
        LinearProvider linears = set.merged(model, mergedWeights, new AdapterSet.MergeProgress() {
            @Override
            public void step(int done, int total) {
                if (announced[0] == 0) progress.total(1 + adapters.size() + total);
                announced[0] = total;
                progress.step("merging");
            }

            @Override
            public void note(String text) {
                progress.note(text);
            }
        }, mergePrecision);
        mixes.put(defaultMix, new Adapted(linears, set));
    }

    /**
     * Moves the forward passes to a device. Every loaded adapter stays resident there, so sessions
     * switch mixes without uploading anything; merged weights instead replace the base there, and
     * then only the default mix runs.
     */
    private void placeOn(DeviceBackend backend, int sequences) {
        LinearProvider weights = mergedWeights != null ? mixes.get(defaultMix).linears() : model.baseLinears();
        List<LinearProvider> resident = mergedWeights != null ? List.of()
                : adapters.values().stream().<LinearProvider>map(a -> a.unmerged(model)).toList();
        model.runOn(backend.load(model, new DeviceLoad(weights, resident, contextLength, sequences)));
    }

    /** Where the forward passes run: "cpu", or the device's description. */
    public String device() {
        return model.device().map(DeviceModel::describe).orElse("cpu");
    }

    /** Heap bytes one session holds: its KV cache (keys and values of every layer for the whole context). */
    public long sessionBytes() {
        LlamaConfig c = model.config();
        return 2L * c.numLayers() * contextLength * c.kvDim() * Float.BYTES;
    }

    /** A new conversation with its own KV cache of {@link #contextLength()} tokens, using the default adapters. */
    public Session newSession() {
        return new Session(this);
    }

    /**
     * Starts generating a reply in a batch with the other submitted prompts, each with its own
     * adapters and settings: a step runs one token of every running prompt, so the weights are
     * read once for all (continuous batching). The prompt waits in a queue while
     * {@link LoadOptions#batchSize} prompts run or their KV reservations fill
     * {@link LoadOptions#kvBudget}; greedy replies are the same as from a {@link Session} alone.
     *
     * @throws QueueFullException when {@link LoadOptions#queueSize} prompts already wait (try again later)
     * @throws UserInputException for an unknown adapter, or a prompt that does not fit the context or the KV budget
     */
    public Generation submit(Prompt prompt) {
        try {
            return start(prompt, false);
        } catch (InterruptedException impossible) {
            throw new IllegalStateException(impossible);
        }
    }

    /** {@link #submit}, but waits for room in the queue instead of refusing. */
    public Generation submitWaiting(Prompt prompt) throws InterruptedException {
        return start(prompt, true);
    }

    /**
     * Generates a reply to every prompt, batched, and returns them in order (waits for room in the
     * queue as needed). Interrupted, it cancels the prompts it started.
     */
    public List<Reply> generateAll(List<Prompt> prompts) {
        List<Generation> started = new ArrayList<>();
        try {
            for (Prompt p : prompts) started.add(start(p, true));
        } catch (InterruptedException e) {
            started.forEach(Generation::cancel);
            Thread.currentThread().interrupt();
            throw new CancellationException("interrupted while submitting prompts");
        } catch (RuntimeException e) {
            started.forEach(Generation::cancel);
            throw e;
        }
        return started.stream().map(Generation::reply).toList();
    }

    private Generation start(Prompt prompt, boolean wait) throws InterruptedException {
        LinearProvider linears = linears(prompt.adapters(this));
        int[] ids = prompt.ids(this);
        GenerationSettings settings = prompt.settings();
        Set<Integer> stops = prompt.stopTokens(this);
        int room = Math.max(0, contextLength - ids.length);
        LogprobRecorder logprobs = prompt.topLogprobs() >= 0 ? new LogprobRecorder(tokenizer, prompt.topLogprobs()) : null;
        Generation generation = new Generation(logprobs);
        ReplyText text = new ReplyText(tokenizer, stops, settings, generation.sink());
        Scheduler.Job job = new Scheduler.Job(ids, linears, new GenerationOptions(settings.sampling(),
                Math.min(settings.maxTokens(), room), stops), contextLength, text::accept,
                LogitsHook.chain(logprobs, prompt.newConstraint(this, stops)));
        Ticket ticket = wait ? scheduler().submitWaiting(job) : scheduler().submit(job);
        generation.started(ticket);
        ticket.result().whenComplete((result, error) -> {
            if (error != null) {
                generation.failed(error);
                return;
            }
            text.finish();
            generation.finished(text.reply(result, settings, 0, result.prefillNanos()));
        });
        return generation;
    }

    /** The vocabulary's prefix tree, built at the first constrained prompt (special tokens are never text). */
    private synchronized TokenTrie vocabulary() {
        if (vocabulary == null) {
            byte[][] bytes = new byte[tokenizer.vocabSize()][];
            for (int id = 0; id < bytes.length; id++) bytes[id] = tokenizer.isSpecial(id) ? null : tokenizer.tokenBytes(id);
            vocabulary = new TokenTrie(bytes);
        }
        return vocabulary;
    }

    /** The grammar of a JSON schema over this vocabulary; the last few are kept, with the token sets they computed. */
    JsonGrammar jsonGrammar(JsonNode schema) {
        TokenTrie trie = vocabulary();
        synchronized (grammars) {
            return grammars.computeIfAbsent(schema, s -> new JsonGrammar(JsonShape.compile(s), trie));
        }
    }

    private synchronized Scheduler scheduler() {
        if (scheduler == null) scheduler = new Scheduler(model, batchLimits);
        return scheduler;
    }

    /** The batch limits: sequences per step, KV budget, queue size. */
    public Scheduler.Limits batchLimits() {
        return batchLimits;
    }

    /**
     * Bytes batch generation may hold at most: the KV budget, one step's activations and
     * logits (the weights and the waiting prompts come on top).
     */
    public long batchMemoryBytes() {
        return Scheduler.memoryBytes(model.config(), batchLimits);
    }

    /**
     * Fails with a user error naming {@code whatToLower} when {@link #batchMemoryBytes()} is more
     * than the heap has free.
     */
    public void checkBatchFitsHeap(String whatToLower) {
        long needed = batchMemoryBytes();
        Runtime heap = Runtime.getRuntime();
        long room = heap.maxMemory() - (heap.totalMemory() - heap.freeMemory());
        if (needed > room) {
            throw new UserInputException(String.format(Locale.ROOT, "a batch of %d sequences with a KV budget of %d tokens needs "
                    + "%.2f GB but the heap has %.2f GB free: lower %s, or give java a larger -Xmx",
                    batchLimits.maxSequences(), batchLimits.kvBudgetTokens(), needed / 1e9, room / 1e9, whatToLower));
        }
    }

    /** Batch generation's counters (running, queued, finished, cancelled, refused, KV reserved). */
    public Map<String, Object> batchCounters() {
        return scheduler().counters();
    }

    /** The projections for an adapter mix, built once per mix and shared by every session. */
    LinearProvider linears(AdapterMix mix) {
        if (mix.isBase()) return model.baseLinears();
        Adapted known = mixes.get(mix);
        if (known != null) return known.linears();
        checkMix(mix);
        return mixes.computeIfAbsent(mix, m -> {
            AdapterSet set = newAdapterSet(m);
            return new Adapted(set.unmerged(model), set);
        }).linears();
    }

    private void checkMix(AdapterMix mix) {
        mix.weights().keySet().forEach(this::adapter);
    }

    private AdapterSet newAdapterSet(AdapterMix mix) {
        List<LoraAdapter> chosen = new ArrayList<>();
        List<Double> weights = new ArrayList<>();
        mix.weights().forEach((name, w) -> {
            chosen.add(adapters.get(name));
            weights.add(w);
        });
        return AdapterSet.of(chosen, weights, mix.combination(), model.config());
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    /** The Llama 3 chat template, or null when the tokenizer has no chat tokens (a base model's may lack them). */
    public ChatFormat chatFormat() {
        return chatFormat;
    }

    public LlamaConfig config() {
        return model.config();
    }

    /** KV cache size of each session, in tokens. */
    public int contextLength() {
        return contextLength;
    }

    /** Names of the loaded adapters, in load order. */
    public Set<String> adapterNames() {
        return adapters.keySet();
    }

    /** A loaded adapter by name, to inspect (its B's sparsity, say); sessions apply adapters by {@link AdapterMix}. */
    public LoraAdapter adapter(String name) {
        LoraAdapter adapter = adapters.get(name);
        if (adapter == null) {
            throw new UserInputException("unknown adapter '" + name + "' (loaded: "
                    + (adapters.isEmpty() ? "none" : String.join(", ", adapters.keySet())) + ")");
        }
        return adapter;
    }

    /** The adapters new sessions start with. */
    public AdapterMix defaultMix() {
        return defaultMix;
    }

    LlamaModel model() {
        return model;
    }

    @Override
    public void close() {
        synchronized (this) {
            if (scheduler != null) scheduler.close();
        }
        mixes.values().forEach(a -> a.set().close());
        if (mergedWeights != null) mergedWeights.close();
        adapters.values().forEach(LoraAdapter::close);
        try {
            model.close();
        } catch (Exception e) {
            throw new IllegalStateException("closing the model failed", e);
        }
    }
}
