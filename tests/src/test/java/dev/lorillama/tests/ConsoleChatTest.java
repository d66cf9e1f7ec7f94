package dev.lorillama.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The chat on a real console (a pseudo-terminal from util-linux {@code script}), so JLine runs
 * its system terminal and Ctrl-C arrives as SIGINT from the terminal. The model is a random one
 * big enough (25M parameters) that an answer of 1500 tokens lasts seconds.
 */
class ConsoleChatTest {
    private static final int MAX_TOKENS = 1500;

    @Test
    void ctrlCStopsTheAnswerAndCtrlCAtThePromptExits(@TempDir Path dir) throws Exception {
        Path model = SlowModel.write(dir.resolve("slow-model"));
        String command = "env --default-signal=INT " + ChatJar.JAVA + " -jar " + ChatJar.jar() + " --model " + model
                + " --threads 1 --temperature 0 --max-tokens " + MAX_TOKENS;
        Process p = new ProcessBuilder("script", "-qfec", command, "/dev/null").redirectErrorStream(true).start();
        ChatJar.Drain console = ChatJar.drain(p.getInputStream());
        try (OutputStream keys = p.getOutputStream()) {
            // JLine draws the prompt and the typed line with terminal codes: wait for the banner, then for the answer to grow
            ChatJar.awaitConsole(console, "Ctrl-D or /exit quits.", 1);
            Thread.sleep(500);
            int before = console.text().length();
            ChatJar.type(keys, "Hello\r");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (console.text().length() < before + 40) {
                if (System.nanoTime() > deadline) throw new AssertionError("no answer on the console:\n" + console.text());
                Thread.sleep(20);
            }
            ChatJar.type(keys, "\u0003");
            ChatJar.awaitConsole(console, "[stopped]", 1);
            ChatJar.awaitConsole(console, "generation: ", 1);
            Thread.sleep(500); // back at the prompt
            Matcher stats = Pattern.compile("generation: (\\d+) tokens").matcher(console.text());
            assertTrue(stats.find(), console.text());
            assertTrue(Integer.parseInt(stats.group(1)) < MAX_TOKENS, "stopped early: " + stats.group());
            ChatJar.type(keys, "\u0003");
            assertTrue(p.waitFor(20, TimeUnit.SECONDS), "Ctrl-C at the prompt must exit: " + console.text());
            assertEquals(130, p.exitValue());
        } finally {
            p.destroyForcibly();
        }
    }
}
