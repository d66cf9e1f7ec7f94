package dev.lorillama.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lorillama.tests.ChatJar;
import dev.lorillama.tests.Fixtures;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Plain {@code java -jar chat.jar ... --device gpu}, as the README says: the launcher adds
 * TornadoVM's flags and the gpu jar beside chat.jar from TORNADOVM_HOME (runs after package).
 */
class ChatJarGpuProcessIT {
    @Test
    void plainJavaJarRunsLogitsOnTheGpu() throws Exception {
        Fixtures.Golden g = Fixtures.golden("gqa_f32+cat_lori_d_lori_s");
        List<String> command = new ArrayList<>(List.of(ChatJar.JAVA, "-jar", ChatJar.jar().toString()));
        command.addAll(List.of(GpuLogitsCommandTest.logitsCommand(g, "gpu")));
        ChatJar.Result r = ChatJar.run(command, "", Map.of(), 300);
        assertEquals(0, r.exitCode(), r.err());
        JsonNode json = new ObjectMapper().readTree(r.out());
        int last = g.tokens().length - 1;
        for (int t = 0; t < g.tokens().length; t++) assertEquals(g.argmax()[t], json.get("argmax").get(t).asInt());
        for (int i = 0; i < g.logits()[last].length; i++) {
            assertEquals(g.logits()[last][i], json.get("logits").get(i).asDouble(), 1e-3, "logit " + i);
        }
        assertTrue(!r.err().contains("Bailout"), r.err());
    }

    @Test
    void benchReportsTheDevice() throws Exception {
        ChatJar.Result r = ChatJar.run(List.of(ChatJar.JAVA, "-jar", ChatJar.jar().toString(), "bench", "--model",
                Fixtures.model("gqa_f32").toString(), "--device", "gpu", "-p", "8", "-n", "4", "-r", "1", "--json"), "", Map.of(), 300);
        assertEquals(0, r.exitCode(), r.err());
        JsonNode json = new ObjectMapper().readTree(r.out());
        assertTrue(json.get("device").asText().startsWith("TornadoVM "), r.out());
        assertTrue(json.get("tg_tokens_per_s").asDouble() > 0 && json.get("pp_tokens_per_s").asDouble() > 0, r.out());
    }
}
