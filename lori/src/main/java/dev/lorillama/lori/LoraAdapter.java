package dev.lorillama.lori;

import dev.lorillama.runtime.UserInputException;
import dev.lorillama.runtime.format.SafetensorsFile;
import dev.lorillama.runtime.format.TensorData;
import dev.lorillama.runtime.model.LlamaConfig;
import dev.lorillama.runtime.model.LlamaModel;
import dev.lorillama.runtime.model.Projection;
import dev.lorillama.runtime.tensor.FloatArrayMatrix;
import dev.lorillama.runtime.tensor.WeightMatrices;
import dev.lorillama.runtime.tensor.WeightMatrix;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A PEFT LoRA/LoRI adapter directory ({@code adapter_config.json} + {@code adapter_model.safetensors}),
 * checked against the base model it will be applied to. A is decoded once into memory in the
 * {@link AdapterPrecision} asked for, B into heap floats (see {@link FloatArrayMatrix} for why)
 * until the adapters are combined; both are small next to the base, which stays mapped.
 */
public final class LoraAdapter implements AutoCloseable {
    /** {@code base_model.model.model.layers.3.self_attn.q_proj.lora_A.weight} (PEFT may add ".default"). */
    private static final Pattern LORA_KEY = Pattern.compile(
            "base_model\\.model\\.model\\.layers\\.(\\d+)\\.(self_attn|mlp)\\.(\\w+)\\.lora_([AB])(?:\\.default)?\\.weight");

    private final String name;
    private final Path dir;
    private final LoraConfig config;
    private final Map<String, LoraModule> modules;
    private final List<String> notes;
    private final AdapterPrecision precision;
    private final Arena arena;

    private LoraAdapter(String name, Path dir, LoraConfig config, Map<String, LoraModule> modules, List<String> notes,
                        AdapterPrecision precision, Arena arena) {
        this.name = name;
        this.precision = precision;
        this.dir = dir;
        this.config = config;
        this.modules = modules;
        this.notes = notes;
        this.arena = arena;
    }

    /** Loads an adapter in F32 that shares nothing with others (see {@link #load(Path, LlamaConfig, SharedFactors)}). */
    public static LoraAdapter load(Path dir, LlamaConfig base) {
        return load(dir, base, new SharedFactors());
    }

    /**
     * Loads an adapter; its A matrices that hold the same values as one already in {@code shared}
     * (LoRI adapters trained from one seed) become that instance, so they are stored once and a
     * batch computes their {@code A·x} once. A is held in {@code shared}'s precision from the start;
     * B in F32 until the adapters are combined ({@link AdapterSet}), then in that precision too.
     */
    public static LoraAdapter load(Path dir, LlamaConfig base, SharedFactors shared) {
        if (!Files.isDirectory(dir)) throw new UserInputException(dir + ": not a directory (expected a PEFT adapter directory)");
        LoraConfig config = LoraConfig.read(dir.resolve("adapter_config.json"));
        Path weightsFile = dir.resolve("adapter_model.safetensors");
        if (!Files.isRegularFile(weightsFile)) {
            String hint = Files.isRegularFile(dir.resolve("adapter_model.bin"))
                    ? " (adapter_model.bin is a pickle: convert it to safetensors first)" : "";
            throw new UserInputException(dir + ": no adapter_model.safetensors" + hint);
        }
        Arena arena = Arena.ofShared();
        try {
            SafetensorsFile file = SafetensorsFile.open(weightsFile, arena);
            List<String> notes = new ArrayList<>();
            Map<String, TensorData[]> pairs = new LinkedHashMap<>();
            for (TensorData t : file.tensors().values()) {
                Matcher m = LORA_KEY.matcher(t.name());
                if (m.matches()) {
                    String modulePath = "model.layers." + m.group(1) + "." + m.group(2) + "." + m.group(3);
                    pairs.computeIfAbsent(modulePath, k -> new TensorData[2])[m.group(4).equals("A") ? 0 : 1] = t;
                } else if (t.name().endsWith("embed_tokens.weight") || t.name().endsWith("lm_head.weight")) {
                    checkExtraVocabRows(t, base, weightsFile);
                    notes.add(dir.getFileName() + ": carries " + t.name() + " " + t.shapeString()
                            + "; using the base model's rows (LoRI adds one <PAD> row)");
                } else {
                    throw new UserInputException(weightsFile + ": unexpected tensor \"" + t.name() + "\" (not a lora_A/lora_B weight)");
                }
            }
            Map<String, LoraModule> modules = new LinkedHashMap<>();
            for (Map.Entry<String, TensorData[]> e : pairs.entrySet()) {
                LoraModule module = toModule(e.getKey(), e.getValue(), config, base, weightsFile, shared);
                modules.put(e.getKey(), module);
            }
            if (modules.isEmpty()) throw new UserInputException(weightsFile + ": holds no lora_A/lora_B tensors");
            return new LoraAdapter(dir.getFileName().toString(), dir, config, Collections.unmodifiableMap(modules), notes,
                    shared.precision(), arena);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    private static LoraModule toModule(String modulePath, TensorData[] pair, LoraConfig config, LlamaConfig base, Path file,
                                       SharedFactors shared) {
        String[] parts = modulePath.split("\\.");
        int layer = parts[2].length() > 9 ? Integer.MAX_VALUE : Integer.parseInt(parts[2]); // digits: the key's pattern
        Projection p = Projection.byModuleName(parts[4]).orElseThrow(() ->
                new UserInputException(file + ": module \"" + modulePath + "\" is not one of the seven Llama projections"));
        if (layer >= base.numLayers()) {
            throw new UserInputException(file + ": module \"" + modulePath + "\" names layer " + parts[2] + " but the base model has " + base.numLayers());
        }
        if (!p.modulePath(layer).equals(modulePath)) {
            throw new UserInputException(file + ": module \"" + modulePath + "\" is not where Llama keeps " + p.moduleName());
        }
        if (!config.targets(p, layer)) {
            throw new UserInputException(file + ": has tensors for \"" + modulePath + "\" which adapter_config.json does not target");
        }
        if (pair[0] == null || pair[1] == null) {
            throw new UserInputException(file + ": \"" + modulePath + "\" has lora_" + (pair[0] == null ? "B but no lora_A" : "A but no lora_B"));
        }
        TensorData a = pair[0], b = pair[1];
        LoraConfig.ModuleScaling scaling = config.scalingFor(modulePath);
        int in = p.inFeatures(base), out = p.outFeatures(base);
        if (a.rank() != 2 || b.rank() != 2) throw new UserInputException(file + ": \"" + modulePath + "\" lora weights must be 2-D");
        if (a.shape()[0] != b.shape()[1]) {
            throw new UserInputException(file + ": rank mismatch in \"" + modulePath + "\": lora_A has " + a.shape()[0]
                    + " rows but lora_B has " + b.shape()[1] + " columns");
        }
        checkShape(a, new long[] {scaling.rank(), in}, file);
        checkShape(b, new long[] {out, scaling.rank()}, file);
        WeightMatrix am = shared.canonical(a.name(), WeightMatrices.of(a)), bm = FloatArrayMatrix.copyOf(WeightMatrices.of(b));
        return new LoraModule(layer, p, am, bm, scaling.rank(), scaling.scale(), a.name(), b.name());
    }

    private static void checkShape(TensorData t, long[] expected, Path file) {
        if (t.shape()[0] != expected[0] || t.shape()[1] != expected[1]) {
            throw new UserInputException(file + ": tensor \"" + t.name() + "\" has shape " + t.shapeString() + ", expected ["
                    + expected[0] + ", " + expected[1] + "] (rank from adapter_config.json, sizes from the base model)");
        }
    }

    private static void checkExtraVocabRows(TensorData t, LlamaConfig base, Path file) {
        if (t.rank() != 2 || t.shape()[1] != base.hiddenSize() || t.shape()[0] < base.vocabSize()) {
            throw new UserInputException(file + ": tensor \"" + t.name() + "\" has shape " + t.shapeString()
                    + ", expected [>= " + base.vocabSize() + ", " + base.hiddenSize() + "]");
        }
    }

    public String name() {
        return name;
    }

    public Path dir() {
        return dir;
    }

    public LoraConfig config() {
        return config;
    }

    /** Adapted modules by module path (model.layers.N.self_attn.q_proj ...), in file order. */
    public Map<String, LoraModule> modules() {
        return modules;
    }

    public LoraModule module(int layer, Projection p) {
        return modules.get(p.modulePath(layer));
    }

    /** This adapter alone (weight 1) applied unmerged to {@code model}: what a device keeps resident for it. */
    public UnmergedLinears unmerged(LlamaModel model) {
        return AdapterSet.of(List.of(this), List.of(), Combination.CAT, model.config()).unmerged(model);
    }

    /** The precision A is held in, and B once combined. */
    public AdapterPrecision precision() {
        return precision;
    }

    /** Things worth telling the user once (ignored extra tensors). */
    public List<String> notes() {
        return notes;
    }

    @Override
    public void close() {
        arena.close();
    }
}
