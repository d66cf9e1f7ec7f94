package dev.lorillama.runtime.model;

import dev.lorillama.runtime.UserInputException;
import dev.lorillama.runtime.format.TensorData;
import dev.lorillama.runtime.format.TensorSource;
import dev.lorillama.runtime.tensor.WeightMatrices;
import dev.lorillama.runtime.tensor.WeightMatrix;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * All weights of a Llama model, checked against the config. Matrices stay in the mapped files.
 *
 * @param tokenEmbeddings vocab × hidden
 * @param lmHead          vocab × hidden (the embeddings themselves when tied)
 */
public record LlamaWeights(WeightMatrix tokenEmbeddings, List<LayerWeights> layers, float[] finalNorm, WeightMatrix lmHead) {

    /** Loads from tensors named as in Hugging Face checkpoints. */
    public static LlamaWeights fromHfTensors(TensorSource source, LlamaConfig c) {
        WeightMatrix embeddings = matrix(source, "model.embed_tokens.weight", c.vocabSize(), c.hiddenSize());
        LayerWeights[] layers = new LayerWeights[c.numLayers()];
        for (int l = 0; l < c.numLayers(); l++) {
            String prefix = "model.layers." + l + ".";
            Map<Projection, WeightMatrix> projections = new EnumMap<>(Projection.class);
            for (Projection p : Projection.values()) {
                projections.put(p, matrix(source, p.modulePath(l) + ".weight", p.outFeatures(c), p.inFeatures(c)));
            }
            layers[l] = new LayerWeights(
                    norm(source, prefix + "input_layernorm.weight", c.hiddenSize()),
                    norm(source, prefix + "post_attention_layernorm.weight", c.hiddenSize()),
                    projections);
        }
        float[] finalNorm = norm(source, "model.norm.weight", c.hiddenSize());
        WeightMatrix lmHead;
        if (c.tieWordEmbeddings()) {
            lmHead = embeddings;
        } else {
            if (source.find("lm_head.weight").isEmpty()) {
                throw new UserInputException(source.describe() + ": missing tensor \"lm_head.weight\" (config says tie_word_embeddings=false)");
            }
            lmHead = matrix(source, "lm_head.weight", c.vocabSize(), c.hiddenSize());
        }
        return new LlamaWeights(embeddings, List.of(layers), finalNorm, lmHead);
    }

    /**
     * Loads from tensors named as in GGUF files (token_embd, blk.N.attn_q, ..., output_norm,
     * output; output absent when tied). q/k rows stay in GGUF's interleaved order: the config
     * says {@link RopeLayout#INTERLEAVED}.
     */
    public static LlamaWeights fromGgufTensors(TensorSource source, LlamaConfig c) {
        WeightMatrix embeddings = matrix(source, "token_embd.weight", c.vocabSize(), c.hiddenSize());
        LayerWeights[] layers = new LayerWeights[c.numLayers()];
        for (int l = 0; l < c.numLayers(); l++) {
            Map<Projection, WeightMatrix> projections = new EnumMap<>(Projection.class);
            for (Projection p : Projection.values()) {
                projections.put(p, matrix(source, p.ggufTensor(l), p.outFeatures(c), p.inFeatures(c)));
            }
            layers[l] = new LayerWeights(
                    norm(source, "blk." + l + ".attn_norm.weight", c.hiddenSize()),
                    norm(source, "blk." + l + ".ffn_norm.weight", c.hiddenSize()),
                    projections);
        }
        float[] finalNorm = norm(source, "output_norm.weight", c.hiddenSize());
        WeightMatrix lmHead = c.tieWordEmbeddings() ? embeddings : matrix(source, "output.weight", c.vocabSize(), c.hiddenSize());
        return new LlamaWeights(embeddings, List.of(layers), finalNorm, lmHead);
    }

    static WeightMatrix matrix(TensorSource source, String name, int rows, int cols) {
        TensorData t = source.require(name);
        if (t.rank() != 2 || t.shape()[0] != rows || t.shape()[1] != cols) {
            throw new UserInputException(source.describe() + ": tensor \"" + name + "\" has shape " + t.shapeString()
                    + ", expected [" + rows + ", " + cols + "] from config");
        }
        return WeightMatrices.of(t);
    }

    private static float[] norm(TensorSource source, String name, int size) {
        return WeightMatrices.vector(source.require(name), size);
    }

    /** Bytes of weights one decoded token reads: every projection, the lm_head, one embedding row. */
    public long bytesPerToken() {
        long bytes = lmHead.byteSize() + tokenEmbeddings.byteSize() / tokenEmbeddings.rows();
        for (LayerWeights l : layers) for (WeightMatrix m : l.projections().values()) bytes += m.byteSize();
        return bytes;
    }

    /**
     * As {@link #bytesPerToken()}, with the projections {@code linears} computes with (merged
     * weights in their own type); low-rank updates applied unmerged are not counted here.
     */
    public long bytesPerToken(LinearProvider linears) {
        long bytes = lmHead.byteSize() + tokenEmbeddings.byteSize() / tokenEmbeddings.rows();
        for (int l = 0; l < layers.size(); l++) for (Projection p : Projection.values()) bytes += linears.get(l, p).weight().byteSize();
        return bytes;
    }
}
