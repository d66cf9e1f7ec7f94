package dev.lorillama.runtime.model;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lorillama.runtime.UserInputException;
import dev.lorillama.runtime.format.StrictJson;
import java.nio.file.Path;
import java.util.List;

/**
 * The hyper-parameters of a Llama model, as Hugging Face's {@code config.json} states them.
 *
 * @param headDim       size of one attention head (config {@code head_dim}, else hidden / heads)
 * @param ropeScaling   null when the config has no "llama3" rope scaling (or the GGUF no rope_freqs)
 * @param eosTokenIds   all end-of-sequence ids (the config may give one or a list)
 * @param ropeLayout    how q/k rows are ordered within a head (HF checkpoints: HALVES)
 */
public record LlamaConfig(
        int hiddenSize,
        int intermediateSize,
        int numLayers,
        int numHeads,
        int numKvHeads,
        int headDim,
        int vocabSize,
        int maxPositions,
        float rmsNormEps,
        double ropeTheta,
        RopeScaling ropeScaling,
        boolean tieWordEmbeddings,
        int bosTokenId,
        List<Integer> eosTokenIds,
        RopeLayout ropeLayout) {

    public LlamaConfig {
        require(hiddenSize > 0 && intermediateSize > 0 && numLayers > 0 && vocabSize > 0 && maxPositions > 0,
                "sizes must be positive");
        require(numHeads > 0 && numKvHeads > 0 && numHeads % numKvHeads == 0,
                "num_attention_heads (" + numHeads + ") must be a multiple of num_key_value_heads (" + numKvHeads + ")");
        require(headDim > 0 && headDim % 2 == 0, "head_dim must be even and positive, found " + headDim);
        // products the runtime sizes arrays by: each must be an int, or an array would be sized by an overflowed count
        require((long) numHeads * headDim <= Integer.MAX_VALUE && (long) hiddenSize * Math.max(vocabSize, intermediateSize) <= MAX_MATRIX_ELEMENTS,
                "sizes too large: hidden_size " + hiddenSize + ", intermediate_size " + intermediateSize + ", vocab_size " + vocabSize
                        + ", num_attention_heads x head_dim " + ((long) numHeads * headDim));
        require(Float.isFinite(rmsNormEps) && rmsNormEps > 0, "rms_norm_eps must be a positive number, found " + rmsNormEps);
        require(Double.isFinite(ropeTheta) && ropeTheta > 0, "rope_theta must be a positive number, found " + ropeTheta);
        eosTokenIds = List.copyOf(eosTokenIds);
    }

    /** No matrix of a real model comes near this (Llama 3 70B's embedding: 1.1e9 elements); larger means a corrupt config. */
    static final long MAX_MATRIX_ELEMENTS = 1L << 36;

    private static void require(boolean ok, String message) {
        if (!ok) throw new UserInputException("config: " + message);
    }

    public LlamaConfig withRopeLayout(RopeLayout layout) {
        return new LlamaConfig(hiddenSize, intermediateSize, numLayers, numHeads, numKvHeads, headDim, vocabSize,
                maxPositions, rmsNormEps, ropeTheta, ropeScaling, tieWordEmbeddings, bosTokenId, eosTokenIds, layout);
    }

    /** Query heads that share one key/value head. */
    public int groupSize() {
        return numHeads / numKvHeads;
    }

    public int queryDim() {
        return numHeads * headDim;
    }

    public int kvDim() {
        return numKvHeads * headDim;
    }

    /** Reads {@code config.json} of a Hugging Face Llama checkpoint. */
    public static LlamaConfig fromHfConfig(Path configJson) {
        JsonNode root = StrictJson.read(configJson, "a JSON object (Hugging Face config.json)");
        if (!root.isObject()) throw new UserInputException(configJson + ": not a JSON object (Hugging Face config.json)");
        return fromHfConfig(root, configJson.toString());
    }

    static LlamaConfig fromHfConfig(JsonNode root, String where) {
        HfConfigReader r = new HfConfigReader(root, where);
        String modelType = r.optionalText("model_type", "llama");
        if (!modelType.equals("llama")) {
            throw new UserInputException(where + ": model_type \"" + modelType + "\" is not supported (only \"llama\")");
        }
        JsonNode architectures = root.get("architectures");
        if (architectures != null && architectures.isArray()) {
            for (JsonNode a : architectures) {
                if (!a.asText().equals("LlamaForCausalLM")) {
                    throw new UserInputException(where + ": architecture \"" + a.asText()
                            + "\" is not supported (only LlamaForCausalLM)");
                }
            }
        }
        String act = r.optionalText("hidden_act", "silu");
        if (!act.equals("silu")) throw new UserInputException(where + ": hidden_act \"" + act + "\" is not supported (only silu)");
        if (root.path("attention_bias").asBoolean(false)) throw new UserInputException(where + ": attention_bias=true is not supported");
        if (root.path("mlp_bias").asBoolean(false)) throw new UserInputException(where + ": mlp_bias=true is not supported");

        int hidden = r.requiredInt("hidden_size");
        int heads = r.requiredInt("num_attention_heads");
        int kvHeads = r.optionalInt("num_key_value_heads", heads);
        int headDim = r.optionalInt("head_dim", heads > 0 ? hidden / heads : 0);
        return new LlamaConfig(
                hidden,
                r.requiredInt("intermediate_size"),
                r.requiredInt("num_hidden_layers"),
                heads,
                kvHeads,
                headDim,
                r.requiredInt("vocab_size"),
                r.optionalInt("max_position_embeddings", 8192),
                (float) r.optionalDouble("rms_norm_eps", 1e-5),
                r.optionalDouble("rope_theta", 10000.0),
                parseRopeScaling(root.get("rope_scaling"), where),
                root.path("tie_word_embeddings").asBoolean(false),
                r.optionalInt("bos_token_id", -1),
                GenerationConfig.eosTokenIds(root.get("eos_token_id"), where),
                RopeLayout.HALVES);
    }

    private static RopeScaling parseRopeScaling(JsonNode node, String where) {
        if (node == null || node.isNull()) return null;
        String type = node.has("rope_type") ? node.get("rope_type").asText() : node.path("type").asText("");
        if (type.equals("default")) return null;
        if (!type.equals("llama3")) {
            throw new UserInputException(where + ": rope_scaling type \"" + type + "\" is not supported (only \"llama3\")");
        }
        HfConfigReader r = new HfConfigReader(node, where + ": rope_scaling");
        Llama3RopeScaling s = new Llama3RopeScaling(r.requiredDouble("factor"), r.requiredDouble("low_freq_factor"),
                r.requiredDouble("high_freq_factor"), r.requiredInt("original_max_position_embeddings"));
        if (s.factor() <= 0 || s.highFreqFactor() <= s.lowFreqFactor() || s.originalMaxPositions() <= 0) {
            throw new UserInputException(where + ": rope_scaling values are inconsistent: " + node);
        }
        return s;
    }
}
