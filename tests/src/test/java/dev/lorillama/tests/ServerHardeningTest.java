package dev.lorillama.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lorillama.api.Llama;
import dev.lorillama.server.OpenAiServer;
import dev.lorillama.server.ServerSettings;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The server as something other programs reach: an API key, limits on what a client may hold, fields it refuses. */
class ServerHardeningTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KEY = "sk-test-0123456789";
    private static final long MAX_BODY = 4096;
    private static Llama llama;
    private static OpenAiServer server;
    private static String base;

    @BeforeAll
    static void start() {
        llama = ChatFixture.load();
        server = OpenAiServer.start(llama, "chat-model", "127.0.0.1", 0, ServerSettings.defaults().withApiKey(KEY)
                .withMaxBodyBytes(MAX_BODY).withRequestTimeout(Duration.ofSeconds(1)).withMaxConnections(4));
        base = "http://127.0.0.1:" + server.port();
    }

    @AfterAll
    static void stop() {
        server.close();
        llama.close();
    }

    @Test
    void everyEndpointButHealthNeedsTheApiKey() throws Exception {
        assertEquals(200, send(get("/health", null)).statusCode());
        for (String key : new String[] {null, "wrong", KEY + "x", KEY.substring(1)}) {
            HttpResponse<String> models = send(get("/v1/models", key));
            assertError(models, 401, "invalid_api_key", null);
            assertEquals("Bearer", models.headers().firstValue("WWW-Authenticate").orElse(""));
            assertError(send(post("/v1/chat/completions", key, chat("\"max_tokens\": 1"))), 401, "invalid_api_key", null);
            assertError(send(get("/v1/no/such/path", key)), 401, "invalid_api_key", null);
            assertError(send(get("/v1/adapters/nlu", key)), 401, "invalid_api_key", null);
        }
        assertEquals(200, send(get("/v1/models", KEY)).statusCode());
        HttpResponse<String> page = send(get("/", null));
        assertEquals(200, page.statusCode(), "the web page itself holds no data: a browser loads it, then it asks for the key");
        assertTrue(page.headers().firstValue("Content-Type").orElse("").startsWith("text/html"), page.headers().toString());
        HttpResponse<String> done = send(post("/v1/chat/completions", KEY, chat("\"max_tokens\": 2, \"temperature\": 0")));
        assertEquals(200, done.statusCode(), done.body());
    }

    @Test
    void unknownPathsAndWrongMethodsGetTheJsonErrorBody() throws Exception {
        assertError(send(get("/v1/nothing", KEY)), 404, "not_found", null);
        assertError(send(get("/v1/chat/completions", KEY)), 405, "method_not_allowed", null);
        assertError(send(post("/v1/models", KEY, "{}")), 405, "method_not_allowed", null);
    }

    @Test
    void bodiesOverTheLimitAre413WhetherDeclaredOrChunked() throws Exception {
        String big = chat("\"user\": \"" + "x".repeat((int) MAX_BODY) + "\"");
        assertError(send(post("/v1/chat/completions", KEY, big)), 413, "request_too_large", null);
        HttpRequest chunked = HttpRequest.newBuilder(URI.create(base + "/v1/chat/completions")).header("Authorization", "Bearer " + KEY)
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(big.getBytes(StandardCharsets.UTF_8))))
                .build();
        assertError(send(chunked), 413, "request_too_large", null);
        assertEquals(200, send(get("/v1/models", KEY)).statusCode(), "still serving");
    }

    @Test
    void fieldsThatWouldChangeTheReplyAreRefusedByName() throws Exception {
        String[][] cases = {
                {"\"tools\": [{\"type\": \"function\"}]", "tools[0]", "invalid_value"},
                {"\"tool_choice\": \"required\"", "tool_choice", "invalid_value"},
                {"\"functions\": [{\"name\": \"f\"}]", "functions", "unsupported_parameter"},
                {"\"response_format\": {\"type\": \"json_schema\", \"json_schema\": {\"schema\": {\"type\": \"string\", \"pattern\": \"a\"}}}",
                        "response_format.json_schema.schema", "unsupported_parameter"},
                {"\"presence_penalty\": 0.5", "presence_penalty", "unsupported_parameter"},
                {"\"echo\": true", "echo", "unknown_parameter"}, // echo is the legacy completions' alone
                {"\"n\": 2", "n", "unsupported_parameter"},
                {"\"logit_bias\": {\"5\": 100}", "logit_bias", "unsupported_parameter"},
                {"\"frequency_penalty\": 0.5", "frequency_penalty", "unsupported_parameter"},
                {"\"temprature\": 0", "temprature", "unknown_parameter"},
                {"\"prompt\": \"hi\"", "prompt", "unknown_parameter"},
        };
        for (String[] c : cases) assertError(send(post("/v1/chat/completions", KEY, chat(c[0]))), 400, c[2], c[1]);
        assertError(send(post("/v1/completions", KEY, "{\"prompt\": \"hi\", \"suffix\": \"!\"}")), 400, "unsupported_parameter", "suffix");
        assertError(send(post("/v1/completions", KEY, "{\"prompt\": \"hi\", \"messages\": []}")), 400, "unknown_parameter", "messages");
        // the values that ask for nothing new are accepted
        String harmless = "\"n\": 1, \"logprobs\": false, \"response_format\": {\"type\": \"text\"}, \"tools\": [], "
                + "\"presence_penalty\": 0, \"user\": \"u1\", \"metadata\": {\"a\": \"b\"}, \"max_tokens\": 1";
        HttpResponse<String> ok = send(post("/v1/chat/completions", KEY, chat(harmless)));
        assertEquals(200, ok.statusCode(), ok.body());
    }

    @Test
    void aClientThatTricklesItsRequestIsDisconnectedAtTheDeadline() throws Exception {
        for (boolean inBody : new boolean[] {false, true}) {
            try (Socket slow = new Socket("127.0.0.1", server.port())) {
                slow.setSoTimeout(10_000);
                OutputStream out = slow.getOutputStream();
                String head = "POST /v1/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + KEY
                        + "\r\nContent-Type: application/json\r\nContent-Length: 100\r\n";
                out.write((inBody ? head + "\r\n{\"pro" : "POST /v1/comp").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                long start = System.nanoTime();
                // a byte every 300 ms keeps Jetty's idle timeout from firing; the request deadline (1 s) still does
                InputStream in = slow.getInputStream();
                boolean closed = false;
                for (int i = 0; i < 30 && !closed; i++) {
                    try {
                        out.write('m');
                        out.flush();
                    } catch (java.io.IOException reset) {
                        closed = true;
                        break;
                    }
                    slow.setSoTimeout(300);
                    try {
                        while (in.read() >= 0) { /* an error response before the close is fine */ }
                        closed = true;
                    } catch (SocketTimeoutException stillOpen) {
                        // keep trickling
                    } catch (java.io.IOException reset) {
                        closed = true;
                    }
                }
                double seconds = (System.nanoTime() - start) / 1e9;
                assertTrue(closed, "a trickling client " + (inBody ? "(body)" : "(headers)") + " was still connected after " + seconds + " s");
                assertTrue(seconds < 5, "closed after " + seconds + " s");
            }
        }
        assertEquals(200, send(get("/v1/models", KEY)).statusCode(), "still serving");
    }

    @Test
    void connectionsBeyondTheLimitWaitUntilOneCloses() throws Exception {
        Socket[] held = new Socket[4];
        try (HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build()) {
            for (int i = 0; i < held.length; i++) held[i] = new Socket("127.0.0.1", server.port());
            Thread.sleep(200);
            CompletableFuture<HttpResponse<String>> waiting = client.sendAsync(get("/health", null), HttpResponse.BodyHandlers.ofString());
            assertThrows(TimeoutException.class, () -> waiting.get(500, TimeUnit.MILLISECONDS), "a fifth connection was served");
            for (Socket s : held) s.close();
            assertEquals(200, waiting.get(10, TimeUnit.SECONDS).statusCode());
        } finally {
            for (Socket s : held) if (s != null) s.close();
        }
    }

    private static String chat(String extra) {
        return "{\"model\": \"nlu\", \"messages\": [{\"role\": \"user\", \"content\": \"Hello\"}], " + extra + "}";
    }

    private static void assertError(HttpResponse<String> r, int status, String code, String param) throws Exception {
        assertEquals(status, r.statusCode(), r.body());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"), r.headers().toString());
        JsonNode error = JSON.readTree(r.body()).get("error");
        assertEquals(code, error.get("code").asText(), r.body());
        assertEquals("invalid_request_error", error.get("type").asText());
        if (param == null) assertTrue(error.get("param").isNull(), r.body());
        else assertEquals(param, error.get("param").asText(), r.body());
        assertTrue(error.get("message").asText().length() > 10, r.body());
    }

    private static HttpRequest get(String path, String key) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).GET();
        if (key != null) b.header("Authorization", "Bearer " + key);
        return b.build();
    }

    private static HttpRequest post(String path, String key, String body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (key != null) b.header("Authorization", "Bearer " + key);
        return b.build();
    }

    private static HttpResponse<String> send(HttpRequest request) throws Exception {
        try (HttpClient client = HttpClient.newHttpClient()) {
            return client.send(request, HttpResponse.BodyHandlers.ofString());
        }
    }
}
