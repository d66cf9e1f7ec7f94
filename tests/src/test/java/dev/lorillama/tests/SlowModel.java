package dev.lorillama.tests;

import dev.lorillama.runtime.format.SafetensorsWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A random model (25M parameters, written in a second) whose answers last long enough to be
 * interrupted: about 100 tokens/s on one thread here, where the chat fixture does thousands.
 */
public final class SlowModel {
    private SlowModel() {}

    /** A random Llama with the chat fixture's tokenizer: 8 layers of width 512. */
    static Path write(Path dir) throws IOException {
        return write(dir, 8, 512, 8);
    }

    /**
     * A random Llama with the chat fixture's tokenizer, {@code layers} layers of width
     * {@code hidden}, {@code heads} query heads sharing {@code heads / 4} KV heads, FFN 3 × hidden
     * (e.g. many thin layers, for the GPU's per-layer graphs).
     */
    public static Path write(Path dir, int layers, int hidden, int heads) throws IOException {
        Files.createDirectories(dir);
        int ffn = 3 * hidden, kvHeads = heads / 4, headDim = hidden / heads, vocab = 352;
        Files.writeString(dir.resolve("config.json"), """
                {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_act": "silu",
                 "hidden_size": %d, "intermediate_size": %d, "num_hidden_layers": %d, "num_attention_heads": %d,
                 "num_key_value_heads": %d, "head_dim": %d, "vocab_size": %d, "max_position_embeddings": 2048,
                 "rms_norm_eps": 1e-05, "rope_theta": 500000.0, "tie_word_embeddings": false, "torch_dtype": "float32",
                 "bos_token_id": 320, "eos_token_id": [321, 329]}
                """.formatted(hidden, ffn, layers, heads, kvHeads, headDim, vocab));
        for (String file : List.of("tokenizer.json", "tokenizer_config.json")) {
            Files.copy(ChatFixture.MODEL.resolve(file), dir.resolve(file));
        }
        SplittableRandom random = new SplittableRandom(7);
        List<SafetensorsWriter.Entry> tensors = new ArrayList<>();
        tensors.add(matrix(random, "model.embed_tokens.weight", vocab, hidden, 1.0));
        tensors.add(matrix(random, "lm_head.weight", vocab, hidden, 0.1));
        tensors.add(ones("model.norm.weight", hidden));
        for (int l = 0; l < layers; l++) {
            String p = "model.layers." + l + ".";
            double s = 1 / Math.sqrt(hidden);
            tensors.add(ones(p + "input_layernorm.weight", hidden));
            tensors.add(ones(p + "post_attention_layernorm.weight", hidden));
            tensors.add(matrix(random, p + "self_attn.q_proj.weight", heads * headDim, hidden, s));
            tensors.add(matrix(random, p + "self_attn.k_proj.weight", kvHeads * headDim, hidden, s));
            tensors.add(matrix(random, p + "self_attn.v_proj.weight", kvHeads * headDim, hidden, s));
            tensors.add(matrix(random, p + "self_attn.o_proj.weight", hidden, heads * headDim, s));
            tensors.add(matrix(random, p + "mlp.gate_proj.weight", ffn, hidden, s));
            tensors.add(matrix(random, p + "mlp.up_proj.weight", ffn, hidden, s));
            tensors.add(matrix(random, p + "mlp.down_proj.weight", hidden, ffn, 1 / Math.sqrt(ffn)));
        }
        SafetensorsWriter.write(dir.resolve("model.safetensors"), tensors, Map.of("format", "pt"));
        return dir;
    }

    private static SafetensorsWriter.Entry matrix(SplittableRandom random, String name, int rows, int cols, double std) {
        float[] v = new float[rows * cols];
        for (int i = 0; i < v.length; i++) v[i] = (float) (random.nextGaussian() * std);
        return SafetensorsWriter.floats(name, new long[] {rows, cols}, v);
    }

    private static SafetensorsWriter.Entry ones(String name, int n) {
        float[] v = new float[n];
        java.util.Arrays.fill(v, 1f);
        return SafetensorsWriter.floats(name, new long[] {n}, v);
    }
}
