package dev.lorillama.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lorillama.api.Llama;
import dev.lorillama.server.OpenAiServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The OpenAI-compatible server, started in this JVM on a free loopback port, driven end to end by
 * the official openai npm client (src/test/node/server-client.mjs, run with the system's node) and
 * by plain HTTP for what a client library would refuse to send.
 */
class ServerOpenAiClientTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static Llama llama;
    private static OpenAiServer server;
    private static String base;

    @BeforeAll
    static void start() {
        llama = ChatFixture.load();
        server = OpenAiServer.start(llama, "chat-model", "127.0.0.1", 0);
        base = "http://127.0.0.1:" + server.port();
    }

    @AfterAll
    static void stop() {
        server.close();
        llama.close();
    }

    private static String reply(String mode, String model) {
        return ChatFixture.expected(mode, model, mode.equals("chat") ? "Hello" : "The answer is").reply();
    }

    @Test
    void officialOpenAiClientGetsTheReferenceRepliesStreamedAndNotAlsoWhenAdaptersRunConcurrently() throws Exception {
        JsonNode out = runNodeClient();
        assertEquals(List.of("chat-model", "nlu", "code"), JSON.convertValue(out.get("models"), List.class));
        for (String model : List.of("nlu", "code", "nlu+code", "base")) {
            JsonNode alone = out.get("alone").get(model);
            assertEquals(reply("chat", model), alone.get("text").asText(), model);
            assertEquals("length", alone.get("finish").asText());
            assertEquals("chat.completion", alone.get("object").asText());
            assertEquals(25, alone.get("usage").get("prompt_tokens").asInt());
            assertEquals(12, alone.get("usage").get("completion_tokens").asInt());
            assertEquals(37, alone.get("usage").get("total_tokens").asInt());
        }
        for (JsonNode together : out.get("concurrent")) {
            assertEquals(reply("chat", "nlu"), together.get("nlu").asText());
            assertEquals(reply("chat", "code"), together.get("code").asText());
        }
        JsonNode streamed = out.get("streamed");
        assertEquals(reply("chat", "nlu"), streamed.get("text").asText());
        assertEquals("assistant", streamed.get("role").asText());
        assertEquals("length", streamed.get("finish").asText());
        assertEquals(12, streamed.get("usage").get("completion_tokens").asInt());
        assertTrue(streamed.get("chunks").asInt() > 3, "streamed in pieces");

        assertEquals(reply("raw", "base"), out.get("completion").get("text").asText());
        assertEquals("text_completion", out.get("completion").get("object").asText());
        assertEquals(9, out.get("completion").get("usage").get("prompt_tokens").asInt());
        assertEquals(reply("raw", "nlu"), out.get("completionStream").asText());
        String nluRaw = reply("raw", "nlu");
        int cut = Math.min(index(nluRaw, "ing"), index(nluRaw, "44"));
        assertEquals(nluRaw.substring(0, cut), out.get("completionWithStop").get("text").asText());
        assertEquals("stop", out.get("completionWithStop").get("finish").asText());

        JsonNode unknown = out.get("unknownModel");
        assertEquals(404, unknown.get("status").asInt());
        assertEquals("model_not_found", unknown.get("code").asText());
        assertEquals("model", unknown.get("param").asText());
        assertEquals("invalid_request_error", unknown.get("type").asText());
        assertEquals(400, out.get("badTemperature").get("status").asInt());
        assertEquals("temperature", out.get("badTemperature").get("param").asText());

        // the aborted stream (400 tokens asked, 2 chunks read) ends as cancelled, not finished
        assertEquals(2, out.get("abortedAfterChunks").asInt());
        JsonNode health = awaitHealth(h -> h.get("cancelled").asInt() == 1 && h.get("generating").asInt() == 0);
        assertEquals(0, health.get("waiting").asInt());
    }

    private static int index(String text, String stop) {
        int at = text.indexOf(stop);
        return at < 0 ? text.length() : at;
    }

    private static JsonNode runNodeClient() throws Exception {
        return NodeClient.run("server-client.mjs", base, 120);
    }

    private static JsonNode awaitHealth(java.util.function.Predicate<JsonNode> condition) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (true) {
            HttpResponse<String> r = get("/health");
            assertEquals(200, r.statusCode());
            JsonNode health = JSON.readTree(r.body());
            assertEquals("ok", health.get("status").asText());
            if (condition.test(health)) return health;
            if (System.nanoTime() > deadline) throw new AssertionError("health never matched: " + health);
            Thread.sleep(50);
        }
    }

    @Test
    void malformedJsonIsA400WithAnOpenAiErrorBody() throws Exception {
        HttpResponse<String> r = post("/v1/chat/completions", "{\"model\": \"nlu\", \"messages\": [");
        assertEquals(400, r.statusCode());
        JsonNode error = JSON.readTree(r.body()).get("error");
        assertEquals("invalid_json", error.get("code").asText());
        assertEquals("invalid_request_error", error.get("type").asText());
        assertTrue(error.get("param").isNull());
        assertTrue(error.get("message").asText().startsWith("The request body is not valid JSON"), error.toString());
    }

    @Test
    void promptLongerThanTheContextIsA400ContextLengthExceeded() throws Exception {
        String longText = "word ".repeat(llama.contextLength());
        HttpResponse<String> r = post("/v1/completions", JSON.writeValueAsString(java.util.Map.of("model", "code", "prompt", longText)));
        assertEquals(400, r.statusCode());
        JsonNode error = JSON.readTree(r.body()).get("error");
        assertEquals("context_length_exceeded", error.get("code").asText());
        assertEquals("prompt", error.get("param").asText());
        assertTrue(error.get("message").asText().contains("context length is " + llama.contextLength()), error.toString());
    }

    @Test
    void missingMessagesAndWrongTypesNameTheirParameter() throws Exception {
        HttpResponse<String> noMessages = post("/v1/chat/completions", "{\"model\": \"nlu\"}");
        assertEquals(400, noMessages.statusCode());
        assertEquals("messages", JSON.readTree(noMessages.body()).get("error").get("param").asText());
        HttpResponse<String> badStop = post("/v1/chat/completions",
                "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"stop\": 3}");
        assertEquals(400, badStop.statusCode());
        assertEquals("stop", JSON.readTree(badStop.body()).get("error").get("param").asText());
        HttpResponse<String> badRole = post("/v1/chat/completions", "{\"messages\": [{\"role\": \"tool\", \"content\": \"hi\"}]}");
        assertEquals(400, badRole.statusCode());
        assertEquals("messages[0].role", JSON.readTree(badRole.body()).get("error").get("param").asText());
    }

    @Test
    void modelsListsTheBaseAndEveryAdapter() throws Exception {
        HttpResponse<String> r = get("/v1/models");
        assertEquals(200, r.statusCode());
        JsonNode data = JSON.readTree(r.body()).get("data");
        assertEquals("chat-model", data.get(0).get("id").asText());
        assertEquals("model", data.get(1).get("object").asText());
        assertEquals(3, data.size());
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(base + path)).GET().build());
    }

    private static HttpResponse<String> post(String path, String body) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(base + path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    private static HttpResponse<String> send(HttpRequest request) throws Exception {
        try (HttpClient client = HttpClient.newHttpClient()) {
            return client.send(request, HttpResponse.BodyHandlers.ofString());
        }
    }
}
