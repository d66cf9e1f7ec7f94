package dev.lorillama.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lorillama.runtime.format.SafetensorsWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The chat on a real console (a pseudo-terminal from util-linux {@code script}), so JLine runs
 * its system terminal and Ctrl-C arrives as SIGINT from the terminal. The model is a random one
 * big enough (25M parameters) that an answer of 1500 tokens lasts seconds.
 */
class ConsoleChatTest {
    private static final int MAX_TOKENS = 1500;

    @Test
    void ctrlCStopsTheAnswerAndCtrlCAtThePromptExits(@TempDir Path dir) throws Exception {
        Path model = writeSlowModel(dir.resolve("slow-model"));
        String command = "env --default-signal=INT " + ChatJar.JAVA + " -jar " + ChatJar.jar() + " --model " + model
                + " --threads 1 --temperature 0 --max-tokens " + MAX_TOKENS;
        Process p = new ProcessBuilder("script", "-qfec", command, "/dev/null").redirectErrorStream(true).start();
        ChatJar.Drain console = ChatJar.drain(p.getInputStream());
        try (OutputStream keys = p.getOutputStream()) {
            // JLine draws the prompt and the typed line with terminal codes: wait for the banner, then for the answer to grow
            await(console, "Ctrl-D or /exit quits.", 1);
            Thread.sleep(500);
            int before = console.text().length();
            type(keys, "Hello\r");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (console.text().length() < before + 40) {
                if (System.nanoTime() > deadline) throw new AssertionError("no answer on the console:\n" + console.text());
                Thread.sleep(20);
            }
            type(keys, "\u0003");
            await(console, "[stopped]", 1);
            await(console, "generation: ", 1);
            Thread.sleep(500); // back at the prompt
            Matcher stats = Pattern.compile("generation: (\\d+) tokens").matcher(console.text());
            assertTrue(stats.find(), console.text());
            assertTrue(Integer.parseInt(stats.group(1)) < MAX_TOKENS, "stopped early: " + stats.group());
            type(keys, "\u0003");
            assertTrue(p.waitFor(20, TimeUnit.SECONDS), "Ctrl-C at the prompt must exit: " + console.text());
            assertEquals(130, p.exitValue());
        } finally {
            p.destroyForcibly();
        }
    }

    private static void type(OutputStream keys, String text) throws IOException {
        keys.write(text.getBytes(StandardCharsets.UTF_8));
        keys.flush();
    }

    private static void await(ChatJar.Drain console, String text, int times) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (console.text().replace("\r", "").split(Pattern.quote(text), -1).length - 1 < Math.max(times, 1)) {
            if (System.nanoTime() > deadline) throw new AssertionError("no '" + text + "' on the console:\n" + console.text());
            Thread.sleep(20);
        }
    }

    /** A random Llama with the chat fixture's tokenizer: 8 layers of width 512. */
    private static Path writeSlowModel(Path dir) throws IOException {
        Files.createDirectories(dir);
        int hidden = 512, ffn = 1536, layers = 8, heads = 8, kvHeads = 2, headDim = 64, vocab = 352;
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
