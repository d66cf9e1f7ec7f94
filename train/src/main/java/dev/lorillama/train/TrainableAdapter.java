package dev.lorillama.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lorillama.lori.LoraAdapter;
import dev.lorillama.lori.LoraModule;
import dev.lorillama.lori.LoriMask;
import dev.lorillama.runtime.UserInputException;
import dev.lorillama.runtime.format.SafetensorsWriter;
import dev.lorillama.runtime.model.Linear;
import dev.lorillama.runtime.model.LinearProvider;
import dev.lorillama.runtime.model.LlamaConfig;
import dev.lorillama.runtime.model.LlamaModel;
import dev.lorillama.runtime.model.Projection;
import dev.lorillama.runtime.model.RopeLayout;
import dev.lorillama.runtime.model.RopePermutation;
import dev.lorillama.runtime.model.TrainableUpdate;
import dev.lorillama.runtime.tensor.WeightMatrix;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The LoRA/LoRI factors being trained, on all seven projections of every layer: A (r × in) and B
 * (out × r) per module as heap floats, the optional LoRI-S mask over B, and the way out as a
 * PEFT directory. Kept in the base model's row layout: on a GGUF base, q/k rows of B are permuted
 * for interleaved RoPE as the runtime applies adapters; files are always in Hugging Face layout.
 */
public final class TrainableAdapter {
    /** One adapted projection. */
    public record Module(int layer, Projection projection, float[] a, float[] b, TrainableUpdate update) {
        public String key(String factor) {
            return "base_model.model." + projection.modulePath(layer) + ".lora_" + factor + ".weight";
        }
    }

    private final LlamaConfig config;
    private final int rank;
    private final double alpha;
    private final boolean trainA;
    private final Module[][] modules; // [layer][projection]
    private boolean[][][] masks;      // [layer][projection] over B in model layout, or null

    private TrainableAdapter(LlamaConfig config, int rank, double alpha, boolean trainA, Module[][] modules) {
        this.config = config;
        this.rank = rank;
        this.alpha = alpha;
        this.trainA = trainA;
        this.modules = modules;
    }

    /**
     * A fresh adapter as PEFT initialises one ({@code init_lora_weights=True}): A uniform in
     * ±1/√in (kaiming_uniform with a = √5), B zero; A drawn from {@code seed} (our generator, so
     * the same seed, base shape and rank give the same A: LoRI adapters of one base share it).
     */
    public static TrainableAdapter fresh(LlamaConfig c, int rank, double alpha, long seed, boolean trainA) {
        SplittableRandom random = new SplittableRandom(seed);
        Module[][] modules = new Module[c.numLayers()][Projection.values().length];
        for (int l = 0; l < c.numLayers(); l++) {
            for (Projection p : Projection.values()) {
                int in = p.inFeatures(c), out = p.outFeatures(c);
                float bound = (float) (1 / Math.sqrt(in));
                float[] a = new float[rank * in];
                for (int i = 0; i < a.length; i++) a[i] = (float) ((random.nextDouble() * 2 - 1) * bound);
                modules[l][p.ordinal()] = module(c, l, p, a, new float[out * rank], rank, alpha / rank, trainA);
            }
        }
        return new TrainableAdapter(c, rank, alpha, trainA, modules);
    }

    /** Continues from a trained adapter (LoRI's {@code model.archive}): its A and B, its rank and alpha. */
    public static TrainableAdapter from(LoraAdapter adapter, LlamaConfig c, boolean trainA) {
        int rank = adapter.config().rank();
        double alpha = adapter.config().alpha();
        if (adapter.config().useRslora() || !adapter.config().rankPattern().isEmpty() || !adapter.config().alphaPattern().isEmpty()) {
            throw new UserInputException(adapter.dir() + ": --init-adapter needs one rank and alpha for every module (no rsLoRA, rank_pattern or alpha_pattern)");
        }
        Module[][] modules = new Module[c.numLayers()][Projection.values().length];
        for (int l = 0; l < c.numLayers(); l++) {
            for (Projection p : Projection.values()) {
                LoraModule m = adapter.module(l, p);
                if (m == null) {
                    throw new UserInputException(adapter.dir() + ": has no " + p.modulePath(l) + " (training adapts all seven projections of every layer)");
                }
                float[] a = values(m.a()), b = values(m.b());
                modules[l][p.ordinal()] = module(c, l, p, a, toModelLayout(c, p, b, rank), rank, m.scale(), trainA);
            }
        }
        return new TrainableAdapter(c, rank, alpha, trainA, modules);
    }

    private static Module module(LlamaConfig c, int l, Projection p, float[] a, float[] b, int rank, double scale, boolean trainA) {
        TrainableUpdate u = new TrainableUpdate(p.modulePath(l), a, b, rank, p.inFeatures(c), p.outFeatures(c), (float) scale, trainA);
        return new Module(l, p, a, b, u);
    }

    /**
     * Trains B only where {@code mask} keeps it (LoRI-S): masked-out gradient entries are zeroed
     * before every step, so those entries of B never move (from zero they stay exactly zero).
     */
    public void restrictTo(LoriMask mask, Object where) {
        boolean[][][] m = new boolean[config.numLayers()][Projection.values().length][];
        for (Module mod : modules()) {
            String key = mod.key("B");
            boolean[] keep = mask.masks().get(key);
            if (keep == null) throw new UserInputException(where + ": the mask has no entry for " + key);
            long[] shape = mask.shapes().get(key);
            int out = mod.projection().outFeatures(config);
            if (shape[0] != out || shape[1] != rank) {
                throw new UserInputException(where + ": mask \"" + key + "\" has shape " + Arrays.toString(shape) + ", B is [" + out + ", " + rank + "]");
            }
            m[mod.layer()][mod.projection().ordinal()] = toModelLayout(config, mod.projection(), keep, rank);
        }
        this.masks = m;
    }

    /** The mask over module {@code m}'s B (model layout), or null when every entry trains. */
    public boolean[] mask(Module m) {
        return masks == null ? null : masks[m.layer()][m.projection().ordinal()];
    }

    /** The base's projections with these factors added unmerged: what training runs the model with. */
    public LinearProvider linears(LlamaModel model) {
        Linear[][] linears = new Linear[config.numLayers()][Projection.values().length];
        for (Module m : modules()) {
            WeightMatrix w = model.weights().layers().get(m.layer()).projection(m.projection());
            linears[m.layer()][m.projection().ordinal()] = new TrainedLinear(w, List.of(m.update()));
        }
        return (layer, p) -> linears[layer][p.ordinal()];
    }

    /** y = W·x + s·B·(A·x) with the factors being trained. */
    private record TrainedLinear(WeightMatrix weight, List<TrainableUpdate> updates) implements Linear {}

    public List<Module> modules() {
        List<Module> all = new ArrayList<>();
        for (Module[] layer : modules) all.addAll(Arrays.asList(layer));
        return all;
    }

    public Module module(int layer, Projection p) {
        return modules[layer][p.ordinal()];
    }

    public int rank() {
        return rank;
    }

    public double alpha() {
        return alpha;
    }

    public boolean trainsA() {
        return trainA;
    }

    public LlamaConfig config() {
        return config;
    }

    public void zeroGradients() {
        for (Module m : modules()) m.update().zeroGradients();
    }

    /** B of module {@code m} in Hugging Face row layout (what files hold). */
    public float[] hfB(Module m) {
        return toHfLayout(config, m.projection(), m.b(), rank);
    }

    /** A matrix shaped like module {@code m}'s B (its gradient, say), in Hugging Face row layout. */
    public static float[] hfLayout(TrainableAdapter adapter, Module m, float[] likeB) {
        return toHfLayout(adapter.config, m.projection(), likeB, adapter.rank);
    }

    /** Writes the adapter as PEFT saves one: adapter_config.json + adapter_model.safetensors (F32). */
    public void save(Path dir, String baseModel) throws IOException {
        Files.createDirectories(dir);
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);
        ObjectNode c = json.createObjectNode();
        c.putObject("alpha_pattern");
        c.putNull("auto_mapping");
        c.put("base_model_name_or_path", baseModel);
        c.put("bias", "none");
        c.put("fan_in_fan_out", false);
        c.put("inference_mode", true);
        c.put("init_lora_weights", true);
        c.putNull("layer_replication");
        c.putNull("layers_pattern");
        c.putNull("layers_to_transform");
        c.putObject("loftq_config");
        if (alpha == Math.rint(alpha)) c.put("lora_alpha", (long) alpha);
        else c.put("lora_alpha", alpha);
        c.put("lora_dropout", 0.05);
        c.putNull("megatron_config");
        c.put("megatron_core", "megatron.core");
        c.putNull("modules_to_save");
        c.put("peft_type", "LORA");
        c.put("r", rank);
        c.putObject("rank_pattern");
        c.putNull("revision");
        var targets = c.putArray("target_modules");
        for (String t : List.of("k_proj", "gate_proj", "v_proj", "up_proj", "q_proj", "o_proj", "down_proj")) targets.add(t);
        c.put("task_type", "CAUSAL_LM");
        c.put("use_dora", false);
        c.put("use_rslora", false);
        Map<String, Object> sorted = json.convertValue(c, java.util.TreeMap.class);
        Files.writeString(dir.resolve("adapter_config.json"), json.writeValueAsString(sorted));
        List<SafetensorsWriter.Entry> entries = new ArrayList<>();
        for (Module m : modules()) {
            int in = m.projection().inFeatures(config), out = m.projection().outFeatures(config);
            entries.add(SafetensorsWriter.floats(m.key("A"), new long[] {rank, in}, m.a()));
            entries.add(SafetensorsWriter.floats(m.key("B"), new long[] {out, rank}, hfB(m)));
        }
        SafetensorsWriter.write(dir.resolve("adapter_model.safetensors"), entries, Map.of("format", "pt"));
    }

    private static float[] values(WeightMatrix m) {
        float[] v = new float[m.rows() * m.cols()];
        for (int r = 0; r < m.rows(); r++) m.readRow(r, v, r * m.cols());
        return v;
    }

    private static boolean permuted(LlamaConfig c, Projection p) {
        return c.ropeLayout() == RopeLayout.INTERLEAVED && (p == Projection.Q || p == Projection.K);
    }

    /** HF rows → the model's rows (q/k of a GGUF base): row r of the result is HF row hfRowOf(r). */
    static float[] toModelLayout(LlamaConfig c, Projection p, float[] hf, int cols) {
        if (!permuted(c, p)) return hf;
        float[] out = new float[hf.length];
        for (int r = 0; r < hf.length / cols; r++) System.arraycopy(hf, RopePermutation.hfRowOf(r, c.headDim()) * cols, out, r * cols, cols);
        return out;
    }

    static boolean[] toModelLayout(LlamaConfig c, Projection p, boolean[] hf, int cols) {
        if (!permuted(c, p)) return hf;
        boolean[] out = new boolean[hf.length];
        for (int r = 0; r < hf.length / cols; r++) System.arraycopy(hf, RopePermutation.hfRowOf(r, c.headDim()) * cols, out, r * cols, cols);
        return out;
    }

    static float[] toHfLayout(LlamaConfig c, Projection p, float[] model, int cols) {
        if (!permuted(c, p)) return model.clone();
        float[] out = new float[model.length];
        for (int r = 0; r < model.length / cols; r++) System.arraycopy(model, r * cols, out, RopePermutation.hfRowOf(r, c.headDim()) * cols, cols);
        return out;
    }
}
