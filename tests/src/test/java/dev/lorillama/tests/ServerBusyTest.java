package dev.lorillama.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lorillama.api.Llama;
import dev.lorillama.api.LoadOptions;
import dev.lorillama.server.OpenAiServer;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * With its batch full and no room in the queue behind it, the server refuses at once: 503, a
 * Retry-After header and OpenAI's error body; /health counts the refusal.
 */
class ServerBusyTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void aRequestBeyondTheBatchAndItsQueueGets503WithRetryAfter(@TempDir Path dir) throws Exception {
        try (Llama llama = Llama.load(SlowModel.write(dir.resolve("slow")), LoadOptions.defaults().threads(1)
                .contextLength(2048).batchSize(1).queueSize(0));
             OpenAiServer server = OpenAiServer.start(llama, "slow", "127.0.0.1", 0);
             HttpClient client = HttpClient.newHttpClient()) {
            String base = "http://127.0.0.1:" + server.port();
            try (Socket running = longStreamedRequest(server.port())) {
                health(client, base, h -> h.get("generating").asInt() == 1);
                HttpResponse<String> refused = client.send(HttpRequest.newBuilder(URI.create(base + "/v1/completions"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"model\": \"slow\", \"prompt\": \"Hi\", \"max_tokens\": 3}")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(503, refused.statusCode(), refused.body());
                long retryAfter = Long.parseLong(refused.headers().firstValue("Retry-After").orElse("0"));
                assertTrue(retryAfter >= 1, "Retry-After: " + retryAfter);
                JsonNode error = JSON.readTree(refused.body()).get("error");
                assertEquals("server_overloaded", error.get("code").asText());
                assertTrue(error.get("message").asText().contains("queue is full"), error.toString());
                assertEquals(1, health(client, base, h -> true).get("refused").asInt());
            }
            health(client, base, h -> h.get("generating").asInt() == 0 && h.get("cancelled").asInt() == 1);
        }
    }

    /** A streamed request for 1500 tokens whose events nobody reads; closing the socket cancels it. */
    private static Socket longStreamedRequest(int port) throws Exception {
        String body = "{\"model\": \"slow\", \"prompt\": \"Once\", \"temperature\": 0, \"max_tokens\": 1500, \"stream\": true}";
        Socket socket = new Socket("127.0.0.1", port);
        OutputStream out = socket.getOutputStream();
        out.write(("POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: "
                + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8));
        out.flush();
        return socket;
    }

    private static JsonNode health(HttpClient client, String base, Predicate<JsonNode> condition) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            JsonNode h = JSON.readTree(client.send(HttpRequest.newBuilder(URI.create(base + "/health")).build(),
                    HttpResponse.BodyHandlers.ofString()).body());
            if (condition.test(h)) return h;
            if (System.nanoTime() > deadline) throw new AssertionError("health never matched: " + h);
            Thread.sleep(50);
        }
    }
}
