package dev.lorillama.tests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The tiny checkpoints, adapters and golden logits written by tools/reference/make_fixtures.py
 * (an independent float64 PyTorch implementation of HF LlamaForCausalLM + PEFT LoRA).
 */
public final class Fixtures {
    public static final Path ROOT = Path.of("src/test/resources/fixtures").toAbsolutePath();
    private static final ObjectMapper JSON = new ObjectMapper();

    private Fixtures() {}

    public static Path model(String name) {
        return ROOT.resolve("models").resolve(name);
    }

    public static Path adapter(String name) {
        return ROOT.resolve("adapters").resolve(name);
    }

    public static Path mask(String file) {
        return ROOT.resolve("masks").resolve(file);
    }

    /** One golden case: inputs and the reference's outputs. */
    public record Golden(String name, String model, List<String> adapters, float[] weights, String combination,
                         int[] tokens, float[][] logits, int[] argmax, int[] greedyPrompt, int[] greedyTokens) {
        @Override
        public String toString() {
            return name;
        }
    }

    public static Golden golden(String caseName) {
        JsonNode n;
        try {
            n = JSON.readTree(ROOT.resolve("goldens").resolve(caseName + ".json").toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> adapters = new ArrayList<>();
        n.path("adapters").forEach(a -> adapters.add(a.asText()));
        JsonNode logitsNode = n.get("logits");
        float[][] logits = new float[logitsNode.size()][];
        for (int i = 0; i < logits.length; i++) logits[i] = floats(logitsNode.get(i));
        return new Golden(caseName, n.get("model").asText(), adapters, floats(n.path("weights")),
                n.path("combination").isNull() ? null : n.path("combination").asText(null),
                ints(n.get("tokens")), logits, ints(n.get("argmax")), ints(n.get("greedy_prompt")), ints(n.get("greedy_tokens")));
    }

    /** Names of all golden cases, from goldens/index.json. */
    public static List<String> goldenCases() {
        try {
            JsonNode index = JSON.readTree(ROOT.resolve("goldens/index.json").toFile());
            List<String> names = new ArrayList<>();
            index.get("cases").forEach(c -> names.add(c.get("case").asText()));
            return names;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static int[] ints(JsonNode array) {
        int[] v = new int[array.size()];
        for (int i = 0; i < v.length; i++) v[i] = array.get(i).asInt();
        return v;
    }

    static float[] floats(JsonNode array) {
        float[] v = new float[array.size()];
        for (int i = 0; i < v.length; i++) v[i] = (float) array.get(i).asDouble();
        return v;
    }

    /** Largest |a - b| between a row-major [positions × vocab] array and per-position rows. */
    public static double maxAbsDiff(float[] flat, float[][] rows) {
        double max = 0;
        int vocab = rows[0].length;
        for (int t = 0; t < rows.length; t++) {
            for (int i = 0; i < vocab; i++) max = Math.max(max, Math.abs(flat[t * vocab + i] - rows[t][i]));
        }
        return max;
    }
}
