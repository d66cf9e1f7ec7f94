package dev.lorillama.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** chat.jar as a user runs it: plain {@code java -jar}, no JVM flags. */
class ChatJarProcessTest {
    static final Path JAR = Path.of("../chat/target/chat.jar").toAbsolutePath().normalize();

    record Run(int exit, String out, String err) {}

    static Run javaJar(String... args) throws Exception {
        assertTrue(Files.isRegularFile(JAR), "build chat.jar first (mvn package): " + JAR);
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", JAR.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        var out = p.getInputStream().readAllBytes();
        var err = p.getErrorStream().readAllBytes();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
    }

    @Test
    void logitsCommandPrintsOneJsonObject() throws Exception {
        Fixtures.Golden g = Fixtures.golden("llama3rope_tied_f32");
        StringBuilder tokens = new StringBuilder();
        for (int t : g.tokens()) tokens.append(tokens.isEmpty() ? "" : ",").append(t);
        Run r = javaJar("logits", "--model", Fixtures.model(g.model()).toString(), "--tokens", tokens.toString());
        assertEquals(0, r.exit(), r.err());
        JsonNode json = new ObjectMapper().readTree(r.out());
        assertEquals(g.tokens().length, json.get("argmax").size());
        for (int t = 0; t < g.tokens().length; t++) assertEquals(g.argmax()[t], json.get("argmax").get(t).asInt());
        assertEquals(256, json.get("logits").size());
        assertEquals(g.logits()[g.tokens().length - 1][7], json.get("logits").get(7).asDouble(), 1e-3);
    }

    @Test
    void badInputIsOneClearLineAndExitCode2() throws Exception {
        Run r = javaJar("logits", "--model", "/no/such/model", "--tokens", "1,2");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("error: /no/such/model: no such file or directory"), r.err());
        assertTrue(!r.err().contains("\tat "), r.err());
    }
}
