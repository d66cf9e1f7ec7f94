package dev.lorillama.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lorillama.api.LoadOptions;
import dev.lorillama.api.Llama;
import dev.lorillama.runtime.UserInputException;
import dev.lorillama.runtime.backend.Device;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code --device} on every command that runs the model, in the default build (no GPU module):
 * a GPU asked for and missing is one line saying why and what to do; {@code auto} runs on the CPU.
 */
class DeviceOptionTest {
    @TempDir
    Path tmp;

    private static final String MODEL = Fixtures.model("gqa_f32").toString();

    static String[] commandLine(String command, String device) {
        List<String> args = new ArrayList<>();
        if (!command.equals("chat")) args.add(command);
        args.addAll(List.of("--model", MODEL, "--device", device));
        switch (command) {
            case "logits" -> args.addAll(List.of("--tokens", "1,2,3"));
            case "bench" -> args.addAll(List.of("-p", "4", "-n", "2", "-r", "1"));
            case "eval" -> args.addAll(List.of("--data", Fixtures.ROOT.resolve("chat/eval/test.json").toString()));
            case "chat" -> args.addAll(List.of("--prompt", "hi"));
            case "serve" -> args.addAll(List.of("--port", "0"));
            default -> throw new IllegalArgumentException(command);
        }
        return args.toArray(String[]::new);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"chat", "serve", "bench", "logits", "eval"})
    void gpuAskedForAndMissingIsOneLineAndExitCode2(String command) {
        CliRunner.Result r = CliRunner.run(commandLine(command, "gpu"));
        assertEquals(2, r.exitCode(), r.err());
        assertTrue(r.err().startsWith("error: --device gpu: "), r.err());
        assertTrue(r.err().endsWith("(or use --device cpu)" + System.lineSeparator()), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
    }

    @Test
    void unknownDeviceIsNamed() {
        CliRunner.Result r = CliRunner.run(commandLine("logits", "tpu"));
        assertEquals(2, r.exitCode(), r.err());
        assertEquals("error: --device: unknown device 'tpu' (expected cpu, gpu or auto)", r.err().strip());
    }

    @Test
    void autoWithoutAGpuRunsOnTheCpu() throws Exception {
        Fixtures.Golden g = Fixtures.golden("gqa_f32");
        StringBuilder tokens = new StringBuilder();
        for (int t : g.tokens()) tokens.append(tokens.isEmpty() ? "" : ",").append(t);
        CliRunner.Result r = CliRunner.run("logits", "--model", MODEL, "--device", "auto", "--tokens", tokens.toString());
        assertEquals(0, r.exitCode(), r.err());
        JsonNode json = new ObjectMapper().readTree(r.out());
        int last = g.tokens().length - 1;
        for (int i = 0; i < g.logits()[last].length; i++) assertEquals(g.logits()[last][i], json.get("logits").get(i).asDouble(), 1e-3);
    }

    @Test
    void theApiRefusesAMissingGpuBeforeLoading() {
        UserInputException e = assertThrows(UserInputException.class,
                () -> Llama.load(Fixtures.model("gqa_f32"), LoadOptions.defaults().device(Device.GPU)).close());
        assertTrue(e.getMessage().startsWith("--device gpu: "), e.getMessage());
    }

    /** Through chat.jar as users run it: the launcher must not get in the way of the message. */
    @Test
    void chatJarWithoutTornadoHomeSaysToSetIt() {
        Map<String, String> env = new HashMap<>();
        env.put("TORNADOVM_HOME", null);
        ChatJar.Result r = ChatJar.run(List.of(ChatJar.JAVA, "-jar", ChatJar.jar().toString(), "logits", "--model", MODEL,
                "--device", "gpu", "--tokens", "1,2"), "", env, 60);
        assertEquals(2, r.exitCode(), r.err());
        List<String> lines = r.err().lines().filter(l -> !l.startsWith("WARNING: Using incubator modules")).toList();
        assertEquals(1, lines.size(), r.err());
        assertTrue(lines.get(0).startsWith("error: --device gpu: no GPU backend: TORNADOVM_HOME is not set"), r.err());
    }

    @Test
    void chatJarWithABadTornadoHomeNamesIt() {
        ChatJar.Result r = ChatJar.run(List.of(ChatJar.JAVA, "-jar", ChatJar.jar().toString(), "logits", "--model", MODEL,
                "--device", "gpu", "--tokens", "1,2"), "", Map.of("TORNADOVM_HOME", tmp.toString()), 60);
        assertEquals(2, r.exitCode(), r.err());
        assertTrue(r.err().contains("error: --device gpu: TORNADOVM_HOME=" + tmp + " has no tornado-argfile"), r.err());
        assertFalse(r.err().contains("\tat "), r.err());
    }
}
