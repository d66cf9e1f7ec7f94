package dev.lorillama.runtime.format.gguf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lorillama.runtime.UserInputException;
import dev.lorillama.runtime.format.HfCheckpoint;
import dev.lorillama.runtime.model.LayerWeights;
import dev.lorillama.runtime.model.Llama3RopeScaling;
import dev.lorillama.runtime.model.LlamaConfig;
import dev.lorillama.runtime.model.LlamaWeights;
import dev.lorillama.runtime.model.Projection;
import dev.lorillama.runtime.model.RopePermutation;
import dev.lorillama.runtime.tensor.DType;
import dev.lorillama.runtime.tensor.WeightMatrix;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Converts a Hugging Face Llama checkpoint to GGUF the way llama.cpp's convert_hf_to_gguf.py
 * does: same metadata keys, tensor names, q/k rows permuted to the interleaved RoPE order, 1-D
 * tensors in F32, Llama 3.1 rope scaling as rope_freqs.weight, and the tokenizer from
 * tokenizer.json / tokenizer_config.json when the checkpoint has them. Each matrix is stored in
 * the type {@link GgufFileType#tensorType} gives: the requested type (rows that are not whole
 * blocks in F16), or llama-quantize's per-tensor choice for the K-quant mixes.
 */
public final class HfToGguf {
    private static final ObjectMapper JSON = new ObjectMapper();

    private HfToGguf() {}

    public static void convert(Path checkpointDir, Path out, DType type) throws IOException {
        convert(checkpointDir, out, GgufFileType.parse(type.name()));
    }

    public static void convert(Path checkpointDir, Path out, GgufFileType type) throws IOException {
        try (HfCheckpoint checkpoint = HfCheckpoint.open(checkpointDir)) {
            LlamaConfig c = checkpoint.config();
            LlamaWeights w = LlamaWeights.fromHfTensors(checkpoint, c);
            GgufWriter gguf = new GgufWriter();
            gguf.putString("general.architecture", "llama")
                    .putString("general.name", checkpointDir.toAbsolutePath().normalize().getFileName().toString())
                    .putUInt32("llama.block_count", c.numLayers())
                    .putUInt32("llama.context_length", c.maxPositions())
                    .putUInt32("llama.embedding_length", c.hiddenSize())
                    .putUInt32("llama.feed_forward_length", c.intermediateSize())
                    .putUInt32("llama.attention.head_count", c.numHeads())
                    .putUInt32("llama.attention.head_count_kv", c.numKvHeads())
                    .putFloat32("llama.rope.freq_base", (float) c.ropeTheta())
                    .putFloat32("llama.attention.layer_norm_rms_epsilon", c.rmsNormEps())
                    .putUInt32("llama.attention.key_length", c.headDim())
                    .putUInt32("llama.attention.value_length", c.headDim())
                    .putUInt32("general.file_type", type.number())
                    .putUInt32("llama.vocab_size", c.vocabSize())
                    .putUInt32("llama.rope.dimension_count", c.headDim());
            if (type.base().isBlockQuantized()) gguf.putUInt32("general.quantization_version", 2);
            writeTokenizer(checkpointDir, c, gguf);

            if (c.ropeScaling() instanceof Llama3RopeScaling scaling) {
                gguf.addVector("rope_freqs.weight", ropeFactors(c, scaling));
            }
            // llama-quantize gives a tied embedding the LM head's type
            String embeddingRole = c.tieWordEmbeddings() ? "output.weight" : "token_embd.weight";
            addMatrix(gguf, "token_embd.weight", w.tokenEmbeddings(), type.tensorType(embeddingRole, 0, c.numLayers(), c.hiddenSize()), 0);
            for (int l = 0; l < c.numLayers(); l++) {
                LayerWeights layer = w.layers().get(l);
                gguf.addVector("blk." + l + ".attn_norm.weight", layer.attentionNorm());
                for (Projection p : Projection.values()) {
                    // q/k rows go to the interleaved order RoPE pairs use in GGUF (0 = keep order).
                    int permuteHeadDim = p == Projection.Q || p == Projection.K ? c.headDim() : 0;
                    WeightMatrix m = layer.projection(p);
                    addMatrix(gguf, p.ggufTensor(l), m, type.tensorType(p.ggufTensor(l), l, c.numLayers(), m.cols()), permuteHeadDim);
                    if (p == Projection.O) gguf.addVector("blk." + l + ".ffn_norm.weight", layer.ffnNorm());
                }
            }
            gguf.addVector("output_norm.weight", w.finalNorm());
            if (!c.tieWordEmbeddings()) {
                addMatrix(gguf, "output.weight", w.lmHead(), type.tensorType("output.weight", 0, c.numLayers(), c.hiddenSize()), 0);
            }
            gguf.write(out);
        }
    }

    private static void addMatrix(GgufWriter gguf, String name, WeightMatrix m, DType stored, int permuteHeadDim) {
        gguf.addMatrix(name, stored, m.rows(), m.cols(), (r, dst) ->
                m.readRow(permuteHeadDim > 0 ? RopePermutation.hfRowOf(r, permuteHeadDim) : r, dst, 0));
    }

    /** Divisors per frequency, computed from float32 inverse frequencies as llama.cpp's converter does. */
    static float[] ropeFactors(LlamaConfig c, Llama3RopeScaling scaling) {
        float[] factors = new float[c.headDim() / 2];
        for (int i = 0; i < factors.length; i++) {
            float invFreq = (float) (1.0 / Math.pow(c.ropeTheta(), (2.0 * i) / c.headDim()));
            factors[i] = (float) scaling.divisor(invFreq);
        }
        return factors;
    }

    /** tokenizer.ggml.* from tokenizer.json (byte-level BPE, as Llama 3 ships it), when present. */
    private static void writeTokenizer(Path dir, LlamaConfig c, GgufWriter gguf) throws IOException {
        Path tokenizerJson = dir.resolve("tokenizer.json");
        if (!Files.isRegularFile(tokenizerJson)) return;
        JsonNode root = JSON.readTree(tokenizerJson.toFile());
        JsonNode model = root.path("model");
        if (!model.path("type").asText("BPE").equals("BPE")) {
            throw new UserInputException(tokenizerJson + ": model.type \"" + model.path("type").asText() + "\" is not supported (only BPE)");
        }
        JsonNode vocab = model.get("vocab");
        if (vocab == null || !vocab.isObject()) throw new UserInputException(tokenizerJson + ": missing field model.vocab");
        String[] tokens = new String[c.vocabSize()];
        int[] types = new int[c.vocabSize()];
        for (Iterator<Map.Entry<String, JsonNode>> it = vocab.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            setToken(tokenizerJson, "model.vocab", tokens, types, e.getValue(), e.getKey(), GgufTokenizerData.NORMAL);
        }
        for (JsonNode added : root.path("added_tokens")) {
            int type = added.path("special").asBoolean(false) ? GgufTokenizerData.CONTROL : GgufTokenizerData.NORMAL;
            setToken(tokenizerJson, "added_tokens", tokens, types, added.get("id"), added.path("content").asText(), type);
        }
        for (int i = 0; i < tokens.length; i++) {
            if (tokens[i] == null) {
                tokens[i] = "[PAD" + i + "]";
                types[i] = GgufTokenizerData.UNUSED;
            }
        }
        List<String> merges = new ArrayList<>();
        for (JsonNode m : model.path("merges")) {
            if (m.isTextual()) {
                merges.add(m.asText());
            } else if (m.isArray() && m.size() == 2) {
                merges.add(m.get(0).asText() + " " + m.get(1).asText());
            } else {
                throw new UserInputException(tokenizerJson + ": model.merges entry " + m + " is neither \"a b\" nor [a, b]");
            }
        }
        List<String> tokenList = Arrays.asList(tokens);
        gguf.putString("tokenizer.ggml.model", "gpt2")
                .putString("tokenizer.ggml.pre", "llama-bpe")
                .putStrings("tokenizer.ggml.tokens", tokenList)
                .putInt32s("tokenizer.ggml.token_type", types)
                .putStrings("tokenizer.ggml.merges", merges);
        JsonNode tokenizerConfig = readOptional(dir.resolve("tokenizer_config.json"));
        int bos = specialId(tokenizerConfig, "bos_token", tokenList, c.bosTokenId());
        int eos = specialId(tokenizerConfig, "eos_token", tokenList, c.eosTokenIds().isEmpty() ? -1 : c.eosTokenIds().getFirst());
        if (bos >= 0) gguf.putUInt32("tokenizer.ggml.bos_token_id", bos);
        if (eos >= 0) gguf.putUInt32("tokenizer.ggml.eos_token_id", eos);
    }

    private static void setToken(Path file, String field, String[] tokens, int[] types, JsonNode idNode, String token, int type) {
        if (idNode == null || !idNode.canConvertToInt() || idNode.asInt() < 0 || idNode.asInt() >= tokens.length) {
            throw new UserInputException(file + ": " + field + " gives token \"" + token + "\" the id " + idNode
                    + ", outside the model's vocabulary of " + tokens.length);
        }
        tokens[idNode.asInt()] = token;
        types[idNode.asInt()] = type;
    }

    private static JsonNode readOptional(Path file) throws IOException {
        return Files.isRegularFile(file) ? JSON.readTree(file.toFile()) : JSON.createObjectNode();
    }

    /** The id of tokenizer_config's {@code field} (a string, or an object with "content"), else {@code fallback}. */
    private static int specialId(JsonNode tokenizerConfig, String field, List<String> tokens, int fallback) {
        JsonNode n = tokenizerConfig.get(field);
        String content = n == null || n.isNull() ? null : n.isTextual() ? n.asText() : n.path("content").asText(null);
        if (content == null) return fallback;
        int id = tokens.indexOf(content);
        return id >= 0 ? id : fallback;
    }
}
