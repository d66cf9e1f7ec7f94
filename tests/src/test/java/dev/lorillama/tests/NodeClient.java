package dev.lorillama.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** Runs one of src/test/node's scripts (the official openai npm client) against a server and reads the JSON it prints. */
final class NodeClient {
    private static final Path NODE_DIR = Path.of("src/test/node").toAbsolutePath();

    private NodeClient() {}

    static JsonNode run(String script, String baseUrl, int timeoutSeconds) throws Exception {
        Process node = new ProcessBuilder("node", script, baseUrl).directory(NODE_DIR.toFile()).start();
        ChatJar.Drain out = ChatJar.drain(node.getInputStream());
        ChatJar.Drain err = ChatJar.drain(node.getErrorStream());
        if (!node.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            node.destroyForcibly();
            throw new AssertionError("the node client did not finish in " + timeoutSeconds + " s: " + err.text());
        }
        out.join();
        err.join();
        assertEquals(0, node.exitValue(), "node client failed:\n" + err.text());
        return new ObjectMapper().readTree(out.text());
    }
}
