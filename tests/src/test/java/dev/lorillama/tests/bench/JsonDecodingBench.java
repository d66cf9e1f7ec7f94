package dev.lorillama.tests.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lorillama.api.Llama;
import dev.lorillama.api.LoadOptions;
import dev.lorillama.api.Prompt;
import dev.lorillama.api.Reply;
import dev.lorillama.api.GenerationSettings;
import dev.lorillama.runtime.generate.SamplingOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * What constrained decoding (response_format json_schema) costs per token against plain decoding,
 * on one model in the same run: alternating rounds of the same chat prompt, sampled, with and
 * without the JSON schema; decode ms/token of each (prefill excluded) and the ratio. Prints peak RSS.
 *
 * <pre>java --add-modules jdk.incubator.vector -cp ... dev.lorillama.tests.bench.JsonDecodingBench MODEL [rounds] [threads]</pre>
 */
public final class JsonDecodingBench {
    private static final String SCHEMA = """
            {"type": "object", "properties": {
              "city": {"type": "string"}, "degrees": {"type": "integer"}, "sunny": {"type": "boolean"},
              "hours": {"type": "array", "items": {"type": "number"}, "maxItems": 4}},
             "required": ["city", "degrees", "sunny", "hours"]}""";

    private JsonDecodingBench() {}

    public static void main(String[] args) throws Exception {
        Path model = Path.of(args[0]);
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        int threads = args.length > 2 ? Integer.parseInt(args[2]) : 2;
        int tokens = 48;
        JsonNode schema = new ObjectMapper().readTree(SCHEMA);
        try (Llama llama = Llama.load(model, LoadOptions.defaults().threads(threads).contextLength(512))) {
            double[] plain = new double[2];  // tokens, seconds
            double[] json = new double[2];
            for (int round = -1; round < rounds; round++) { // round -1 warms up both paths (JIT, the first walks)
                for (boolean constrained : new boolean[] {false, true}) {
                    GenerationSettings settings = new GenerationSettings(new SamplingOptions(0.8f, 0, 1f, 0f, 1f, 100 + round),
                            tokens, List.of());
                    Prompt prompt = Prompt.chat("What is the weather like in Paris? Answer in JSON.").withSettings(settings);
                    if (constrained) prompt = prompt.withJsonSchema(schema);
                    Reply r = llama.submit(prompt).reply();
                    if (round < 0) continue;
                    double[] into = constrained ? json : plain;
                    into[0] += r.completionTokens();
                    into[1] += r.completionTokens() / r.tokensPerSecond();
                }
            }
            double plainMs = plain[1] / plain[0] * 1e3;
            double jsonMs = json[1] / json[0] * 1e3;
            System.out.printf(Locale.ROOT, "model %s, %d threads, %d rounds%n", model.getFileName(), threads, rounds);
            System.out.printf(Locale.ROOT, "plain decoding:       %.0f tokens, %.2f ms/token%n", plain[0], plainMs);
            System.out.printf(Locale.ROOT, "json_schema decoding: %.0f tokens, %.2f ms/token (x%.3f, +%.2f ms/token)%n", json[0], jsonMs,
                    jsonMs / plainMs, jsonMs - plainMs);
            System.out.printf(Locale.ROOT, "peak RSS %.0f MB%n", peakRssKb() / 1024.0);
        }
    }

    private static long peakRssKb() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmHWM:")) return Long.parseLong(line.replaceAll("\\D", ""));
        }
        return -1;
    }
}
