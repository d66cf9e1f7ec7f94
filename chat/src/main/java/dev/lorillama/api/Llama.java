package dev.lorillama.api;

import dev.lorillama.lori.AdapterSet;
import dev.lorillama.lori.LoraAdapter;
import dev.lorillama.lori.SharedFactors;
import dev.lorillama.runtime.UserInputException;
import dev.lorillama.runtime.backend.DeviceBackend;
import dev.lorillama.runtime.backend.DeviceBackends;
import dev.lorillama.runtime.backend.DeviceLoad;
import dev.lorillama.runtime.backend.DeviceModel;
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
import java.util.Map;
import java.util.Optional;
import java.util.Set;
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

    /** The projections of one adapter mix, and what to close with it. */
    private record Adapted(LinearProvider linears, AdapterSet set) {}

    private Llama(LlamaModel model, Tokenizer tokenizer, Map<String, LoraAdapter> adapters, int contextLength,
                  AdapterMix defaultMix, Arena mergedWeights) {
        this.model = model;
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
        LlamaModel model = ModelLoader.load(path, options.threads());
        progress.step("model");
        Map<String, LoraAdapter> adapters = new LinkedHashMap<>();
        Arena merged = null;
        try {
            if (tokenizer.vocabSize() > model.config().vocabSize()) {
                throw new UserInputException("tokenizer of " + path + " has " + tokenizer.vocabSize()
                        + " ids but the model's vocab_size is " + model.config().vocabSize());
            }
            SharedFactors shared = new SharedFactors(); // adapters from one seed share their A: stored once, A·x once per batch
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
            Llama llama = new Llama(model, tokenizer, adapters, context, options.defaultMix(),
                    options.mergeDefaultMix() && !options.defaultMix().isBase() ? Arena.ofShared() : null);
            merged = llama.mergedWeights;
            llama.checkMix(options.defaultMix());
            if (merged != null) llama.mergeDefault(progress);
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

    private void mergeDefault(LoadProgress progress) {
        AdapterSet set = newAdapterSet(defaultMix);
        int[] announced = {0};
        LinearProvider linears = set.merged(model, mergedWeights, (done, total) -> {
            if (announced[0] == 0) progress.total(1 + adapters.size() + total);
            announced[0] = total;
            progress.step("merging");
        });
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
