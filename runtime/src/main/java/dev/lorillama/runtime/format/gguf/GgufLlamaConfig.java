package dev.lorillama.runtime.format.gguf;

import dev.lorillama.runtime.UserInputException;
import dev.lorillama.runtime.format.TensorData;
import dev.lorillama.runtime.model.LlamaConfig;
import dev.lorillama.runtime.model.RopeFrequencyFactors;
import dev.lorillama.runtime.model.RopeLayout;
import dev.lorillama.runtime.model.RopeScaling;
import dev.lorillama.runtime.tensor.WeightMatrices;
import java.util.ArrayList;
import java.util.List;

/** Reads a {@link LlamaConfig} from the {@code llama.*} metadata of a GGUF file. */
public final class GgufLlamaConfig {
    private static final int MAX = 1 << 30;

    private GgufLlamaConfig() {}

    public static LlamaConfig read(GgufFile file) {
        GgufMetadata m = file.metadata();
        String arch = m.requireString("general.architecture");
        if (!arch.equals("llama")) {
            throw new UserInputException(file.path() + ": metadata general.architecture \"" + arch + "\" is not supported (only \"llama\")");
        }
        int hidden = m.requireInt("llama.embedding_length", 1, MAX);
        int heads = m.requireInt("llama.attention.head_count", 1, MAX);
        int kvHeads = m.optionalInt("llama.attention.head_count_kv", 1, heads, heads);
        int headDim = m.optionalInt("llama.attention.key_length", 2, MAX, hidden / heads);
        int valueDim = m.optionalInt("llama.attention.value_length", 2, MAX, headDim);
        if (valueDim != headDim) {
            throw new UserInputException(file.path() + ": metadata llama.attention.value_length " + valueDim
                    + " differs from key_length " + headDim + " (not supported)");
        }
        int ropeDim = m.optionalInt("llama.rope.dimension_count", 2, MAX, headDim);
        if (ropeDim != headDim) {
            throw new UserInputException(file.path() + ": metadata llama.rope.dimension_count " + ropeDim
                    + " differs from the head size " + headDim + " (partial RoPE is not supported)");
        }
        String scalingType = m.optionalString("llama.rope.scaling.type", "none");
        if (!scalingType.equals("none")) {
            throw new UserInputException(file.path() + ": metadata llama.rope.scaling.type \"" + scalingType
                    + "\" is not supported (Llama 3.1 scaling comes as the tensor rope_freqs.weight)");
        }
        int vocab = vocabSize(file, m);
        List<Integer> eos = new ArrayList<>();
        int eosId = m.optionalInt("tokenizer.ggml.eos_token_id", 0, vocab - 1, -1);
        if (eosId >= 0) eos.add(eosId);
        int eotId = m.optionalInt("tokenizer.ggml.eot_token_id", 0, vocab - 1, -1);
        if (eotId >= 0 && eotId != eosId) eos.add(eotId);
        return new LlamaConfig(
                hidden,
                m.requireInt("llama.feed_forward_length", 1, MAX),
                m.requireInt("llama.block_count", 1, 100_000),
                heads,
                kvHeads,
                headDim,
                vocab,
                m.requireInt("llama.context_length", 1, MAX),
                (float) m.requireDouble("llama.attention.layer_norm_rms_epsilon"),
                m.optionalDouble("llama.rope.freq_base", 10000.0),
                ropeScaling(file, headDim),
                file.find("output.weight").isEmpty(),
                m.optionalInt("tokenizer.ggml.bos_token_id", 0, vocab - 1, -1),
                eos,
                RopeLayout.INTERLEAVED);
    }

    /** llama.vocab_size, else the length of the token list, else the rows of token_embd. */
    private static int vocabSize(GgufFile file, GgufMetadata m) {
        if (m.has("llama.vocab_size")) return m.requireInt("llama.vocab_size", 1, MAX);
        if (m.has("tokenizer.ggml.tokens")) return m.requireStrings("tokenizer.ggml.tokens").size();
        TensorData embeddings = file.require("token_embd.weight");
        if (embeddings.rank() != 2 || embeddings.shape()[0] > MAX) {
            throw new UserInputException(embeddings.describe() + ": expected a 2-D embedding matrix, found " + embeddings.shapeString());
        }
        return (int) embeddings.shape()[0];
    }

    private static RopeScaling ropeScaling(GgufFile file, int headDim) {
        return file.find("rope_freqs.weight").map(t -> {
            float[] factors = WeightMatrices.vector(t, headDim / 2);
            for (int i = 0; i < factors.length; i++) {
                if (!(factors[i] > 0) || !Float.isFinite(factors[i])) {
                    throw new UserInputException(t.describe() + ": factor " + i + " is " + factors[i] + " (must be positive)");
                }
            }
            return (RopeScaling) new RopeFrequencyFactors(factors);
        }).orElse(null);
    }
}
