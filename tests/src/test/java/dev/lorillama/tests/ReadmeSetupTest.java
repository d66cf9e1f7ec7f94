package dev.lorillama.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's set-up works as written: exactly two commands, the second is what CI runs, and
 * the first one's chat runs on a fresh machine where only JAVA_HOME is set (the {@code java} on
 * the system PATH may be an older one) and no --model is given: the default model is offered,
 * downloaded into an empty Hugging Face cache (from {@link LoopbackHub}, standing in for
 * huggingface.co) and chats; the next run finds it in the cache without asking.
 */
class ReadmeSetupTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final String BUILD = "./mvnw -B -q package -DskipTests && ";

    static List<String> setupCommands() throws Exception {
        String readme = Files.readString(ROOT.resolve("README.md"));
        Matcher block = Pattern.compile("## Set-up.*?```bash\\n(.*?)```", Pattern.DOTALL).matcher(readme);
        assertTrue(block.find(), "no bash block in the README's Set-up section");
        return block.group(1).lines().map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
    }

    @Test
    void exactlyTwoCommandsAndCiRunsTheSecond() throws Exception {
        List<String> commands = setupCommands();
        assertEquals(2, commands.size(), commands.toString());
        List<String> ci = Files.readAllLines(ROOT.resolve(".ci/run")).stream().map(String::strip)
                .filter(l -> !l.isEmpty() && !l.startsWith("#") && !l.startsWith("fi") && !l.startsWith("export")).toList();
        assertEquals(commands.get(1), ci.get(ci.size() - 1), ".ci/run must run the README's test command");
    }

    @Test
    void theFirstCommandChatsOnAFreshMachineWithOnlyJavaHomeSet(@TempDir Path home) throws Exception {
        String first = setupCommands().get(0);
        assertTrue(first.startsWith(BUILD), first); // the build itself is what CI's verify runs first
        String chat = first.substring(BUILD.length());
        try (LoopbackHub hub = new LoopbackHub()) {
            DefaultModelHub.serve(hub);
            Map<String, String> freshMachine = Map.of(
                    "PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", // the system's java, whatever its version
                    "JAVA_HOME", System.getProperty("java.home"),
                    "HOME", home.toString(),
                    "HF_ENDPOINT", hub.endpoint().toString()); // stands in for huggingface.co
            ChatJar.Result r = shell(chat, "y\nHello\n", freshMachine);
            assertEquals(0, r.exitCode(), r.err());
            assertTrue(r.err().contains("No --model given. The default model is " + DefaultModelHub.REPO + ":Q4_K_M"), r.err());
            assertTrue(r.err().contains("Download it into " + home.resolve(".cache/huggingface/hub") + "? [y/N]"), r.err());
            assertTrue(r.out().startsWith("> ") && r.out().endsWith("\n> ") && r.out().length() > 5, "one answer, then the prompt again: " + r.out());
            assertTrue(r.err().contains("prompt: 25 tokens"), r.err());
            assertTrue(Files.isSymbolicLink(home.resolve(".cache/huggingface/hub/models--bartowski--Llama-3.2-1B-Instruct-GGUF/snapshots")
                    .resolve(Files.readString(home.resolve(".cache/huggingface/hub/models--bartowski--Llama-3.2-1B-Instruct-GGUF/refs/main")))
                    .resolve(DefaultModelHub.FILE)));

            int requests = hub.requests.size();
            ChatJar.Result again = shell(chat + " --prompt Hello", "", freshMachine);
            assertEquals(0, again.exitCode(), again.err());
            assertTrue(again.messages().startsWith("No --model given: chatting with the default model " + DefaultModelHub.REPO
                    + ":Q4_K_M (from the Hugging Face cache)."), again.err());
            assertTrue(!again.out().isBlank(), again.err());
            assertEquals(requests, hub.requests.size(), "nothing asked of the hub the second time");
        }
    }

    private static ChatJar.Result shell(String command, String stdin, Map<String, String> env) {
        List<String> bash = List.of("/bin/bash", "-c", "cd " + ROOT + " && env -i " + envAssignments(env) + " bash -c '" + command + "'");
        return ChatJar.run(bash, stdin);
    }

    private static String envAssignments(Map<String, String> env) {
        StringBuilder s = new StringBuilder();
        env.forEach((k, v) -> s.append(k).append("='").append(v).append("' "));
        return s.toString();
    }
}
