package dev.lorillama.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** The logits command through chat.jar as users run it: plain {@code java -jar}, no JVM flags. */
class ChatJarProcessTest {

    @Test
    void logitsCommandPrintsOneJsonObject() throws Exception {
        Fixtures.Golden g = Fixtures.golden("llama3rope_tied_f32");
        StringBuilder tokens = new StringBuilder();
        for (int t : g.tokens()) tokens.append(tokens.isEmpty() ? "" : ",").append(t);
        ChatJar.Result r = ChatJar.run("", "logits", "--model", Fixtures.model(g.model()).toString(), "--tokens", tokens.toString());
        assertEquals(0, r.exitCode(), r.err());
        JsonNode json = new ObjectMapper().readTree(r.out());
        assertEquals(g.tokens().length, json.get("argmax").size());
        for (int t = 0; t < g.tokens().length; t++) assertEquals(g.argmax()[t], json.get("argmax").get(t).asInt());
        assertEquals(256, json.get("logits").size());
        assertEquals(g.logits()[g.tokens().length - 1][7], json.get("logits").get(7).asDouble(), 1e-3);
    }

    @Test
    void badInputIsOneClearLineAndExitCode2() {
        ChatJar.Result r = ChatJar.run("", "logits", "--model", "/no/such/model", "--tokens", "1,2");
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("error: /no/such/model: no such file or directory"), r.err());
        assertTrue(!r.err().contains("\tat "), r.err());
    }
}
