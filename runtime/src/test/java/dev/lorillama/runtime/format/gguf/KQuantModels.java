package dev.lorillama.runtime.format.gguf;

import dev.lorillama.runtime.format.TensorData;
import dev.lorillama.runtime.model.Projection;
import dev.lorillama.runtime.tensor.DType;
import dev.lorillama.runtime.tensor.RandomBlocks;
import dev.lorillama.runtime.tensor.WeightMatrices;
import dev.lorillama.runtime.tensor.WeightMatrix;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Random;

/**
 * A synthetic Llama with 256-wide rows (what K-quants need) whose matrices are random Q4_K and
 * Q6_K blocks, as in a Q4_K_M file (also used by the gpu module's tests).
 */
public final class KQuantModels {
    public static final int HIDDEN = 256, HEADS = 4, KV_HEADS = 2, FFN = 512, VOCAB = 300, LAYERS = 2;

    private KQuantModels() {}

    /** Writes the model: matrices as Q4_K/Q6_K blocks, or ({@code asF32}) as those blocks decoded to F32. */
    public static void write(Path file, boolean asF32) throws Exception {
        GgufWriter w = new GgufWriter()
                .putString("general.architecture", "llama")
                .putUInt32("llama.block_count", LAYERS)
                .putUInt32("llama.context_length", 64)
                .putUInt32("llama.embedding_length", HIDDEN)
                .putUInt32("llama.feed_forward_length", FFN)
                .putUInt32("llama.attention.head_count", HEADS)
                .putUInt32("llama.attention.head_count_kv", KV_HEADS)
                .putFloat32("llama.rope.freq_base", 500000f)
                .putFloat32("llama.attention.layer_norm_rms_epsilon", 1e-5f)
                .putUInt32("llama.rope.dimension_count", HIDDEN / HEADS);
        long seed = 1;
        matrix(w, "token_embd.weight", DType.Q6_K, VOCAB, HIDDEN, seed++, asF32);
        Random random = new Random(2);
        for (int l = 0; l < LAYERS; l++) {
            w.addVector("blk." + l + ".attn_norm.weight", norm(random));
            w.addVector("blk." + l + ".ffn_norm.weight", norm(random));
            for (Projection p : Projection.values()) {
                int rows = switch (p) {
                    case Q, O, DOWN -> HIDDEN;
                    case K, V -> HIDDEN / HEADS * KV_HEADS;
                    case GATE, UP -> FFN;
                };
                int cols = p == Projection.DOWN ? FFN : HIDDEN;
                matrix(w, p.ggufTensor(l), p == Projection.DOWN || p == Projection.V ? DType.Q6_K : DType.Q4_K, rows, cols, seed++, asF32);
            }
        }
        w.addVector("output_norm.weight", norm(random));
        matrix(w, "output.weight", DType.Q6_K, VOCAB, HIDDEN, seed, asF32);
        w.write(file);
    }

    private static void matrix(GgufWriter w, String name, DType type, int rows, int cols, long seed, boolean asF32) {
        // Scales chosen so that weights are ~0.05 and activations stay tame through the layers.
        byte[] bytes = RandomBlocks.bytes(type, rows, cols, seed, type == DType.Q4_K ? 0.02f : 0.2f);
        if (!asF32) {
            w.addEncodedMatrix(name, type, rows, cols, bytes);
            return;
        }
        MemorySegment segment = Arena.ofAuto().allocate(bytes.length);
        segment.copyFrom(MemorySegment.ofArray(bytes));
        WeightMatrix m = WeightMatrices.of(new TensorData(name, type, new long[] {rows, cols}, segment, Path.of(name)));
        w.addMatrix(name, DType.F32, rows, cols, (r, dst) -> m.readRow(r, dst, 0));
    }

    private static float[] norm(Random random) {
        float[] v = new float[HIDDEN];
        for (int i = 0; i < v.length; i++) v[i] = 0.5f + random.nextFloat();
        return v;
    }
}
