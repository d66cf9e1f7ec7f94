package dev.lorillama.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lorillama.api.AdapterMix;
import dev.lorillama.api.GenerationSettings;
import dev.lorillama.api.Llama;
import dev.lorillama.api.LoadOptions;
import dev.lorillama.api.Session;
import dev.lorillama.lori.Combination;
import dev.lorillama.lori.LoriMask;
import dev.lorillama.server.OpenAiServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the server adds for the web page: the page itself at {@code /}, an adapter's numbers at
 * {@code /v1/adapters/{name}}, two adapters' mask overlap, and weighted mixes in the model name.
 * On the chat fixture with nlu, code and their 90%-sparse LoRI versions nlu_s, code_s.
 */
class ServerAdapterEndpointsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    static Path dir;
    private static Path nluS, codeS;
    private static Llama llama;
    private static OpenAiServer server;

    @BeforeAll
    static void start() {
        nluS = ChatFixture.sparse(ChatFixture.NLU, dir.resolve("nlu_s"));
        codeS = ChatFixture.sparse(ChatFixture.CODE, dir.resolve("code_s"));
        llama = Llama.load(ChatFixture.MODEL, LoadOptions.defaults().threads(1).adapter("nlu", ChatFixture.NLU)
                .adapter("code", ChatFixture.CODE).adapter("nlu_s", nluS).adapter("code_s", codeS));
        server = OpenAiServer.start(llama, "chat-model", "127.0.0.1", 0);
    }

    @AfterAll
    static void stop() {
        server.close();
        llama.close();
    }

    @Test
    void thePageAndItsMarkdownLibraryComeFromTheJarWithAStrictContentSecurityPolicy() throws Exception {
        HttpResponse<String> page = get("/");
        assertEquals(200, page.statusCode());
        assertTrue(page.headers().firstValue("Content-Type").orElseThrow().startsWith("text/html"));
        assertTrue(page.body().contains("<script type=\"module\" src=\"js/app.js\">"), page.body());
        String policy = page.headers().firstValue("Content-Security-Policy").orElseThrow();
        assertTrue(policy.contains("default-src 'self'") && policy.contains("script-src 'self'"), policy);
        for (String script : List.of("/js/app.js", "/vendor/markdown-it/dist/browser/markdown-it.esm.min.mjs")) {
            HttpResponse<String> js = get(script);
            assertEquals(200, js.statusCode(), script);
            assertTrue(js.headers().firstValue("Content-Type").orElseThrow().startsWith("text/javascript"), script);
        }
        assertEquals(404, get("/no-such-page.html").statusCode());
    }

    @Test
    void anAdaptersProfileCountsTheNonZeroEntriesOfB() throws Exception {
        JsonNode dense = json("/v1/adapters/nlu");
        assertEquals(4, dense.get("rank").asInt());
        assertEquals(8.0, dense.get("alpha").asDouble());
        assertEquals(2.0, dense.get("scale").asDouble());
        assertEquals(2, dense.get("layers").asInt());
        assertEquals(List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"),
                JSON.convertValue(dense.get("projections"), List.class));
        assertEquals(4096, dense.get("b_entries").asLong()); // 2 layers: q,k,v,o 64+32+32+64 rows, gate,up 128, down 64; rank 4
        assertEquals(4096, dense.get("b_nonzero").asLong());
        assertEquals(Files.size(ChatFixture.NLU.resolve("adapter_model.safetensors")), dense.get("file_bytes").asLong());
        assertEquals(14, dense.get("modules").size());

        JsonNode sparse = json("/v1/adapters/nlu_s");
        assertEquals((int) (0.1 * 4096), sparse.get("b_nonzero").asLong(), "LoRI keeps k = int((1 - s) N) entries");
        long sum = 0;
        for (JsonNode m : sparse.get("modules")) {
            sum += m.get("b_nonzero").asLong();
            assertEquals((double) m.get("b_nonzero").asLong() / m.get("b_entries").asLong(), m.get("b_density").asDouble());
        }
        assertEquals(sparse.get("b_nonzero").asLong(), sum);
        assertEquals(409.0 / 4096, sparse.get("b_density").asDouble());
    }

    @Test
    void theOverlapOfTwoAdaptersCountsTheEntriesBothMasksKeep() throws Exception {
        Map<String, boolean[]> nlu = LoriMask.read(ChatFixture.maskOf(nluS)).masks(), code = LoriMask.read(ChatFixture.maskOf(codeS)).masks();
        long both = 0, either = 0;
        for (var e : nlu.entrySet()) {
            boolean[] other = code.get(e.getKey());
            for (int i = 0; i < other.length; i++) {
                if (e.getValue()[i] && other[i]) both++;
                if (e.getValue()[i] || other[i]) either++;
            }
        }
        JsonNode overlap = json("/v1/adapters/nlu_s/overlap/code_s");
        assertEquals(both, overlap.get("both").asLong());
        assertEquals(either, overlap.get("union").asLong());
        assertEquals((double) both / either, overlap.get("jaccard").asDouble());
        assertTrue(both > 0 && both < 409, "two tasks' masks share few entries: " + both);
        assertEquals(14, overlap.get("modules").size());
        assertEquals(4096, json("/v1/adapters/nlu/overlap/code").get("both").asLong(), "dense adapters overlap everywhere");
    }

    @Test
    void anUnknownAdapterIsA404NamingTheLoadedOnes() throws Exception {
        HttpResponse<String> r = get("/v1/adapters/math");
        assertEquals(404, r.statusCode());
        JsonNode error = JSON.readTree(r.body()).get("error");
        assertEquals("adapter_not_found", error.get("code").asText());
        assertTrue(error.get("message").asText().contains("nlu, code, nlu_s, code_s"), error.toString());
        assertEquals("other", JSON.readTree(get("/v1/adapters/nlu/overlap/math").body()).get("error").get("param").asText());
    }

    @Test
    void theModelNameCarriesWeightsAndTheCombination() throws Exception {
        assertEquals(ChatFixture.expected("chat", "nlu+code", "Hello").reply(), answer("nlu*1+code*1.0"));
        AdapterMix linear = new AdapterMix(map("nlu", 0.6, "code", 0.4), Combination.LINEAR);
        assertEquals("nlu*0.6+code*0.4 (linear)", linear.describe());
        try (Session session = llama.newSession()) {
            session.useAdapters(linear);
            String expected = session.chat("Hello", GenerationSettings.greedy(12), piece -> {}).text();
            assertEquals(expected, answer(linear.describe()));
        }
        for (String bad : List.of("nlu*x", "nlu*-1 (linear)", "nlu+nlu", "nlu*NaN", "+code")) {
            HttpResponse<String> r = post(bad);
            assertEquals(400, r.statusCode(), bad);
            JsonNode error = JSON.readTree(r.body()).get("error");
            assertEquals("model", error.get("param").asText(), bad);
            assertTrue(error.get("message").asText().startsWith("The model '" + bad + "' is not a valid adapter mix: "), error.toString());
        }
        assertEquals(404, post("nlu*0.5+math*0.5").statusCode());
    }

    @Test
    void describeAndParseAreInverses() {
        for (AdapterMix mix : List.of(AdapterMix.NONE, AdapterMix.of("nlu"), AdapterMix.of("nlu", "code"),
                new AdapterMix(map("nlu", 0.3, "code", 1.0), Combination.CAT), new AdapterMix(map("code", 2.5, "nlu", 1e-3), Combination.LINEAR),
                new AdapterMix(map("nlu", -0.5), Combination.CAT))) {
            assertEquals(mix, AdapterMix.parse(mix.describe(), "base"), mix.describe());
        }
        assertEquals(new AdapterMix(map("nlu", 1.0), Combination.LINEAR), AdapterMix.parse("nlu (linear)", "base"));
        assertEquals(AdapterMix.of("nlu"), AdapterMix.parse("nlu (cat)", "base"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AdapterMix.parse("nlu*0.5+code*abc", "base"));
        assertEquals("the weight of adapter 'code' is 'abc', not a number", e.getMessage());
    }

    private static Map<String, Double> map(Object... pairs) {
        Map<String, Double> m = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) m.put((String) pairs[i], (Double) pairs[i + 1]);
        return m;
    }

    private static String answer(String model) throws Exception {
        HttpResponse<String> r = post(model);
        assertEquals(200, r.statusCode(), r.body());
        return JSON.readTree(r.body().strip()).get("choices").get(0).get("message").get("content").asText();
    }

    private static HttpResponse<String> post(String model) throws Exception {
        String body = JSON.writeValueAsString(Map.of("model", model, "messages", List.of(Map.of("role", "user", "content", "Hello")),
                "temperature", 0, "max_tokens", 12));
        return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/v1/chat/completions"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    private static JsonNode json(String path) throws Exception {
        HttpResponse<String> r = get(path);
        assertEquals(200, r.statusCode(), r.body());
        return JSON.readTree(r.body());
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path)).GET().build());
    }

    private static HttpResponse<String> send(HttpRequest request) throws Exception {
        try (HttpClient client = HttpClient.newHttpClient()) {
            return client.send(request, HttpResponse.BodyHandlers.ofString());
        }
    }
}
