package dev.lorillama.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Requests beyond --parallel (the batch size) queue, and a client that closes its connection cancels its
 * generation, streamed or not: on a model slow enough that 1500 tokens would take many seconds.
 */
class ServerDisconnectTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    static Path dir;
    private static Llama llama;
    private static OpenAiServer server;

    @BeforeAll
    static void start() throws Exception {
        llama = Llama.load(SlowModel.write(dir.resolve("slow-model")), LoadOptions.defaults().threads(1).contextLength(2048).batchSize(1));
        server = OpenAiServer.start(llama, "slow", "127.0.0.1", 0);
    }

    @AfterAll
    static void stop() {
        server.close();
        llama.close();
    }

    @Test
    void aSecondRequestWaitsForTheOnlySessionAndClosedConnectionsCancelBoth() throws Exception {
        JsonNode before = health(h -> true);
        try (Socket plain = send(false); Socket streamed = send(true)) {
            health(h -> h.get("generating").asInt() == 1 && h.get("waiting").asInt() == 1);
            Thread.sleep(500); // the first has written its first heartbeat space
        }
        JsonNode after = health(h -> h.get("generating").asInt() == 0 && h.get("waiting").asInt() == 0
                && h.get("cancelled").asInt() == before.get("cancelled").asInt() + 2);
        assertEquals(before.get("finished").asInt(), after.get("finished").asInt(), "nothing ran to its end");
    }

    /** Opens a connection and sends a 1500-token request, then reads nothing. */
    private static Socket send(boolean stream) throws Exception {
        String body = "{\"model\": \"slow\", \"messages\": [{\"role\": \"user\", \"content\": \"Hello\"}], \"temperature\": 0, "
                + "\"max_tokens\": 1500, \"stream\": " + stream + "}";
        Socket socket = new Socket("127.0.0.1", server.port());
        OutputStream out = socket.getOutputStream();
        out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: "
                + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8));
        out.flush();
        return socket;
    }

    private static JsonNode health(Predicate<JsonNode> condition) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        try (HttpClient client = HttpClient.newHttpClient()) {
            while (true) {
                HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/health")).build(),
                        HttpResponse.BodyHandlers.ofString());
                JsonNode h = JSON.readTree(r.body());
                if (condition.test(h)) return h;
                if (System.nanoTime() > deadline) throw new AssertionError("health never matched: " + h);
                Thread.sleep(50);
            }
        }
    }
}
