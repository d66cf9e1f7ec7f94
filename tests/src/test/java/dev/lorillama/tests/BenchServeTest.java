package dev.lorillama.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lorillama.api.Llama;
import dev.lorillama.api.LoadOptions;
import dev.lorillama.server.OpenAiServer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bench-serve}, the load generator, against our server on the chat fixture: one JSON line
 * per level with the requests it sent, the tokens the server counted, TTFT percentiles and the
 * server's peak RSS; refusals (503) are counted apart; it refuses any server not on this machine.
 */
class BenchServeTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void eachLevelReportsItsRequestsTokensAndTimeToFirstToken() throws Exception {
        try (Llama llama = Llama.load(ChatFixture.MODEL, LoadOptions.defaults().threads(1).adapter("nlu", ChatFixture.NLU)
                .adapter("code", ChatFixture.CODE).batchSize(4));
             OpenAiServer server = OpenAiServer.start(llama, "fixture", "127.0.0.1", 0)) {
            CliRunner.Result r = CliRunner.run("bench-serve", "--url", "http://127.0.0.1:" + server.port(), "--clients", "1,3",
                    "--requests", "2", "--max-tokens", "3", "--models", "base,nlu,code,nlu+code", "--label", "ours",
                    "--pid", Long.toString(ProcessHandle.current().pid()), "--json");
            assertEquals(0, r.exitCode(), r.err());
            List<JsonNode> lines = new ArrayList<>();
            for (String line : r.out().strip().split("\n")) lines.add(JSON.readTree(line));
            assertEquals(3, lines.size(), r.out());
            for (int i = 0; i < 2; i++) {
                JsonNode level = lines.get(i);
                int clients = i == 0 ? 1 : 3;
                assertEquals("ours", level.get("label").asText());
                assertEquals(clients, level.get("clients").asInt(), r.out());
                assertEquals(2 * clients, level.get("requests").asInt(), r.out());
                assertEquals(0, level.get("refused").asInt() + level.get("failed").asInt(), r.out());
                // The fixture's replies may end before 3 tokens, never after; usage counts them.
                long tokens = level.get("tokens").asLong();
                assertTrue(tokens >= 2L * clients && tokens <= 3L * 2 * clients, r.out());
                double seconds = level.get("seconds").asDouble();
                assertEquals(tokens / seconds, level.get("tokens_per_s").asDouble(), 1e-6 * tokens / seconds);
                double p50 = level.get("ttft_p50_s").asDouble(), p95 = level.get("ttft_p95_s").asDouble();
                assertTrue(p50 > 0 && p50 <= p95 && p95 <= seconds, r.out());
            }
            assertTrue(lines.get(2).get("server_peak_rss_bytes").asLong() > 1_000_000, r.out());
        }
    }

    /** Six clients at once on a server that runs one request and queues none: the slow model's first answer takes seconds. */
    @Test
    void refusedRequestsAreCountedApart(@TempDir Path dir) throws Exception {
        try (Llama llama = Llama.load(SlowModel.write(dir.resolve("slow")), LoadOptions.defaults().threads(1).batchSize(1).queueSize(0));
             OpenAiServer server = OpenAiServer.start(llama, "slow", "127.0.0.1", 0)) {
            CliRunner.Result r = CliRunner.run("bench-serve", "--url", "http://127.0.0.1:" + server.port(), "--clients", "6",
                    "--requests", "1", "--max-tokens", "300", "--warmup", "0", "--json");
            assertEquals(0, r.exitCode(), r.err());
            JsonNode level = JSON.readTree(r.out().strip());
            assertEquals(6, level.get("requests").asInt());
            int refused = level.get("refused").asInt();
            assertTrue(refused >= 1 && refused <= 5, "one runs at a time and none waits: " + r.out());
        }
    }

    @Test
    void onlyAServerOnThisMachineIsLoaded() {
        CliRunner.Result r = CliRunner.run("bench-serve", "--url", "http://192.0.2.1:8080");
        assertEquals(2, r.exitCode());
        assertEquals("error: --url: 192.0.2.1 is not a loopback address; bench-serve only loads a server on this machine", r.err().strip());
    }
}
