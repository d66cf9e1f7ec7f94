package dev.lorillama.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lorillama.tests.CliRunner;
import dev.lorillama.tests.Fixtures;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** {@code logits --device gpu} prints what {@code --device cpu} prints, within 1e-3, on every golden case. */
class GpuLogitsCommandTest {

    static List<String> cases() {
        return Fixtures.goldenCases();
    }

    static String[] logitsCommand(Fixtures.Golden g, String device) {
        List<String> args = new ArrayList<>(List.of("logits", "--model", Fixtures.model(g.model()).toString(), "--device", device));
        for (String a : g.adapters()) args.addAll(List.of("--adapter", Fixtures.adapter(a).toString()));
        if (g.weights().length > 0) {
            StringBuilder w = new StringBuilder();
            for (float x : g.weights()) w.append(w.isEmpty() ? "" : ",").append(x);
            args.addAll(List.of("--weights", w.toString()));
        }
        if (g.combination() != null) args.addAll(List.of("--combination", g.combination()));
        StringBuilder tokens = new StringBuilder();
        for (int t : g.tokens()) tokens.append(tokens.isEmpty() ? "" : ",").append(t);
        args.addAll(List.of("--tokens", tokens.toString()));
        return args.toArray(String[]::new);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void gpuLogitsEqualCpuLogits(String name) throws Exception {
        Fixtures.Golden g = Fixtures.golden(name);
        assertSameLogits(name, logitsCommand(g, "cpu"), logitsCommand(g, "gpu"));
    }

    /** Runs both {@code logits} commands: the same argmax at every position, the last logits within 1e-3. */
    static void assertSameLogits(String label, String[] cpuCommand, String[] gpuCommand) throws Exception {
        CliRunner.Result cpu = CliRunner.run(cpuCommand);
        CliRunner.Result gpu = CliRunner.run(gpuCommand);
        assertEquals(0, cpu.exitCode(), cpu.err());
        assertEquals(0, gpu.exitCode(), gpu.err());
        JsonNode c = new ObjectMapper().readTree(cpu.out()), d = new ObjectMapper().readTree(gpu.out());
        assertEquals(c.get("argmax"), d.get("argmax"), label + " argmax");
        double err = 0;
        for (int i = 0; i < c.get("logits").size(); i++) {
            err = Math.max(err, Math.abs(c.get("logits").get(i).asDouble() - d.get("logits").get(i).asDouble()));
        }
        assertTrue(err <= 1e-3, label + ": --device gpu differs from --device cpu by " + err);
    }
}
