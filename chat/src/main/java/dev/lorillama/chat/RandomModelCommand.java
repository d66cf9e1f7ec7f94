package dev.lorillama.chat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lorillama.runtime.format.SafetensorsWriter;
import dev.lorillama.runtime.tensor.DType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.List;
import java.util.ArrayList;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code random-model} (hidden, for benchmarks): writes a Hugging Face checkpoint with random
 * BF16 weights in a real model's shape, e.g. Llama 3.2 1B's, since real weights cannot be
 * downloaded here. Matrices are uniform with standard deviation 0.02, norms are 1.
 */
@Command(name = "random-model", hidden = true, mixinStandardHelpOptions = true,
        description = "Write a random-weight BF16 checkpoint with a real model's shapes (benchmarks only).")
final class RandomModelCommand implements Callable<Integer> {
    /** hidden, layers, heads, kv heads, FFN, vocab. */
    private static final int[] LLAMA_3_2_1B = {2048, 16, 32, 8, 8192, 128256};
    private static final int[] LLAMA_3_8B = {4096, 32, 32, 8, 14336, 128256};

    @Option(names = "--shape", paramLabel = "1b|8b", defaultValue = "1b",
            description = "Llama 3.2 1B's shapes (tied embeddings) or Llama 3 8B's (hidden 4096, 32 layers, FFN 14336). Default: ${DEFAULT-VALUE}.")
    String shape;

    @Option(names = {"-o", "--out"}, required = true, paramLabel = "DIR", description = "Directory to write (created).")
    Path out;

    @Option(names = "--tokenizer", paramLabel = "DIR",
            description = "Copy tokenizer.json and tokenizer_config.json from this directory.")
    Path tokenizer;

    @Option(names = "--layers", paramLabel = "N", description = "Override the layer count (default: 16, as the 1B model).")
    Integer layers;

    @Option(names = "--seed", description = "Random seed (default ${DEFAULT-VALUE}).")
    long seed = 1;

    @Override
    public Integer call() throws Exception {
        int[] dims = switch (shape) {
            case "1b" -> LLAMA_3_2_1B;
            case "8b" -> LLAMA_3_8B;
            default -> throw new IllegalArgumentException("--shape: expected 1b or 8b, got " + shape);
        };
        boolean tied = dims == LLAMA_3_2_1B;
        int hidden = dims[0], heads = dims[2], kvHeads = dims[3];
        int ffn = dims[4], vocab = dims[5];
        int nLayers = layers != null ? layers : dims[1];
        int headDim = hidden / heads;
        Files.createDirectories(out);
        ObjectMapper json = new ObjectMapper();
        ObjectNode config = json.createObjectNode();
        config.putArray("architectures").add("LlamaForCausalLM");
        config.put("model_type", "llama").put("hidden_size", hidden).put("intermediate_size", ffn)
                .put("num_hidden_layers", nLayers).put("num_attention_heads", heads).put("num_key_value_heads", kvHeads)
                .put("head_dim", headDim).put("vocab_size", vocab).put("max_position_embeddings", 131072)
                .put("rms_norm_eps", 1e-5).put("rope_theta", 500000.0).put("tie_word_embeddings", tied)
                .put("hidden_act", "silu").put("bos_token_id", 128000).put("eos_token_id", 128001)
                .put("torch_dtype", "bfloat16");
        config.putObject("rope_scaling").put("rope_type", "llama3").put("factor", 32.0).put("low_freq_factor", 1.0)
                .put("high_freq_factor", 4.0).put("original_max_position_embeddings", 8192);
        Files.writeString(out.resolve("config.json"), json.writerWithDefaultPrettyPrinter().writeValueAsString(config));

        List<SafetensorsWriter.Entry> st = new ArrayList<>();
        st.add(SafetensorsWriter.rows("model.embed_tokens.weight", DType.BF16, new long[] {vocab, hidden}, random(seed)));
        for (int l = 0; l < nLayers; l++) {
            String p = "model.layers." + l + ".";
            st.add(SafetensorsWriter.rows(p + "input_layernorm.weight", DType.BF16, new long[] {hidden}, ones()));
            st.add(SafetensorsWriter.rows(p + "self_attn.q_proj.weight", DType.BF16, new long[] {heads * headDim, hidden}, random(seed + 10L * l + 1)));
            st.add(SafetensorsWriter.rows(p + "self_attn.k_proj.weight", DType.BF16, new long[] {kvHeads * headDim, hidden}, random(seed + 10L * l + 2)));
            st.add(SafetensorsWriter.rows(p + "self_attn.v_proj.weight", DType.BF16, new long[] {kvHeads * headDim, hidden}, random(seed + 10L * l + 3)));
            st.add(SafetensorsWriter.rows(p + "self_attn.o_proj.weight", DType.BF16, new long[] {hidden, heads * headDim}, random(seed + 10L * l + 4)));
            st.add(SafetensorsWriter.rows(p + "post_attention_layernorm.weight", DType.BF16, new long[] {hidden}, ones()));
            st.add(SafetensorsWriter.rows(p + "mlp.gate_proj.weight", DType.BF16, new long[] {ffn, hidden}, random(seed + 10L * l + 5)));
            st.add(SafetensorsWriter.rows(p + "mlp.up_proj.weight", DType.BF16, new long[] {ffn, hidden}, random(seed + 10L * l + 6)));
            st.add(SafetensorsWriter.rows(p + "mlp.down_proj.weight", DType.BF16, new long[] {hidden, ffn}, random(seed + 10L * l + 7)));
        }
        st.add(SafetensorsWriter.rows("model.norm.weight", DType.BF16, new long[] {hidden}, ones()));
        if (!tied) st.add(SafetensorsWriter.rows("lm_head.weight", DType.BF16, new long[] {vocab, hidden}, random(seed + 999_983L)));
        SafetensorsWriter.write(out.resolve("model.safetensors"), st, Map.of("format", "pt"));
        if (tokenizer != null) {
            for (String f : new String[] {"tokenizer.json", "tokenizer_config.json"}) {
                Path from = tokenizer.resolve(f);
                if (Files.isRegularFile(from)) Files.copy(from, out.resolve(f), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        System.err.println("wrote " + out);
        return 0;
    }

    /** Uniform in ±0.02·√3 (standard deviation 0.02), one stream per tensor, split per row. */
    private static dev.lorillama.runtime.tensor.RowSource random(long seed) {
        return (r, dst) -> {
            SplittableRandom random = new SplittableRandom(seed * 1_000_003L + r);
            for (int i = 0; i < dst.length; i++) dst[i] = (float) ((random.nextDouble() * 2 - 1) * 0.0346);
        };
    }

    private static dev.lorillama.runtime.tensor.RowSource ones() {
        return (r, dst) -> Arrays.fill(dst, 1f);
    }
}
