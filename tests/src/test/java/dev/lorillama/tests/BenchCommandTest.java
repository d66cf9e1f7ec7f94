package dev.lorillama.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lorillama.chat.Main;
import dev.lorillama.runtime.model.LlamaModel;
import dev.lorillama.runtime.model.ModelLoader;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bench --json} prints exactly one JSON object with the llama-bench style fields. */
class BenchCommandTest {
    @TempDir
    Path dir;

    @Test
    void jsonReportsSpeedsBytesThreadsAndPeakRss() throws Exception {
        Path gguf = dir.resolve("gqa.q8_0.gguf");
        assertEquals(0, Main.run(new String[] {"convert", "-m", Fixtures.model("gqa_f32").toString(), "-o", gguf.toString(), "--type", "q8_0"}));
        for (Path model : new Path[] {Fixtures.model("gqa_f32"), gguf}) {
            String stdout = captureStdout(() -> assertEquals(0,
                    Main.run(new String[] {"bench", "-m", model.toString(), "-p", "8", "-n", "4", "-r", "1", "-t", "2", "--json"})));
            JsonNode json = new ObjectMapper().readTree(stdout);
            assertTrue(json.isObject(), stdout);
            assertTrue(json.get("pp_tokens_per_s").asDouble() > 0, stdout);
            assertTrue(json.get("tg_tokens_per_s").asDouble() > 0, stdout);
            assertEquals(2, json.get("threads").asInt(), stdout);
            assertEquals("cpu", json.get("device").asText(), stdout);
            assertTrue(json.get("peak_rss_bytes").asLong() > 0, stdout);
            try (LlamaModel m = ModelLoader.load(model, 1)) {
                assertEquals(m.weights().bytesPerToken(), json.get("weight_bytes_per_token").asLong(), stdout);
            }
        }
    }

    @Test
    void unmergedAdaptersAddTheirWeightsToTheBytesPerToken() throws Exception {
        String base = captureStdout(() -> assertEquals(0, Main.run(new String[] {"bench", "-m", Fixtures.model("gqa_f32").toString(),
                "-p", "4", "-n", "2", "-r", "1", "--json"})));
        String unmerged = captureStdout(() -> assertEquals(0, Main.run(new String[] {"bench", "-m", Fixtures.model("gqa_f32").toString(),
                "--adapter", Fixtures.adapter("lori_d").toString(), "-p", "4", "-n", "2", "-r", "1", "--json", "--adapter-precision", "f32"})));
        String half = captureStdout(() -> assertEquals(0, Main.run(new String[] {"bench", "-m", Fixtures.model("gqa_f32").toString(),
                "--adapter", Fixtures.adapter("lori_d").toString(), "-p", "4", "-n", "2", "-r", "1", "--json", "--adapter-precision", "bf16"})));
        String merged = captureStdout(() -> assertEquals(0, Main.run(new String[] {"bench", "-m", Fixtures.model("gqa_f32").toString(),
                "--adapter", Fixtures.adapter("lori_d").toString(), "--merged", "-p", "4", "-n", "2", "-r", "1", "--json"})));
        ObjectMapper json = new ObjectMapper();
        long baseBytes = json.readTree(base).get("weight_bytes_per_token").asLong();
        // lori_d: r 8 on all seven projections of 2 layers, F32: A is 8 × in, B is out × 8.
        long adapterBytes = 2L * 4 * 8 * ((64 + 64 + 64 + 64 + 64 + 64 + 192) + (64 + 16 + 16 + 64 + 192 + 192 + 64));
        assertEquals(baseBytes + adapterBytes, json.readTree(unmerged).get("weight_bytes_per_token").asLong(), unmerged);
        assertEquals(baseBytes + adapterBytes / 2, json.readTree(half).get("weight_bytes_per_token").asLong(), half);
        assertEquals(baseBytes, json.readTree(merged).get("weight_bytes_per_token").asLong(), merged);
        assertTrue(json.readTree(unmerged).get("adapters").asText().contains("unmerged"), unmerged);
    }

    private static String captureStdout(Runnable body) {
        PrintStream original = System.out;
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buffer, true, StandardCharsets.UTF_8));
        try {
            body.run();
        } finally {
            System.setOut(original);
        }
        return buffer.toString(StandardCharsets.UTF_8).trim();
    }
}
