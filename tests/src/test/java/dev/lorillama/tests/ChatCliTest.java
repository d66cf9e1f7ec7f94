package dev.lorillama.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The chat command through chat.jar as users run it: one-shot, piped, interactive over stdin, Ctrl-C, help. */
class ChatCliTest {
    private static final String MODEL = ChatFixture.MODEL.toString();

    @Test
    void oneShotPromptPrintsOnlyTheAnswerOnStdoutAndSpeedsOnStderr() {
        ChatFixture.Expected e = ChatFixture.expected("chat", "base", "Hello");
        ChatJar.Result r = ChatJar.run("", "--model", MODEL, "--prompt", "Hello", "--temperature", "0", "--max-tokens", "12");
        assertEquals(0, r.exitCode(), r.err());
        assertEquals(e.reply() + "\n", r.out());
        assertTrue(r.err().contains("prompt: 25 tokens"), r.err());
        assertTrue(r.err().contains("generation: 12 tokens"), r.err());
    }

    @Test
    void promptFromStdinWithSystemPromptMatchesTheReference() {
        ChatFixture.Expected e = ChatFixture.expected("chat", "base", "Is it true?");
        ChatJar.Result r = ChatJar.run("Is it true?\n", "--model", MODEL, "--system", e.system(), "--prompt", "-",
                "--temperature", "0", "--max-tokens", "12");
        assertEquals(0, r.exitCode(), r.err());
        assertEquals(e.reply() + "\n", r.out());
    }

    @Test
    void rawCompletionWithAnAdapterMatchesTheReference() {
        ChatFixture.Expected e = ChatFixture.expected("raw", "nlu", "The answer is");
        ChatJar.Result r = ChatJar.run("", "--model", MODEL, "--raw", "--adapter", ChatFixture.NLU.toString(),
                "--prompt", e.user(), "--temperature", "0", "--max-tokens", "12");
        assertEquals(0, r.exitCode(), r.err());
        assertEquals(e.reply() + "\n", r.out());
    }

    @Test
    void mergedAdaptersGiveTheSameAnswerAsUnmergedAndShowAMergeBar() {
        ChatFixture.Expected e = ChatFixture.expected("chat", "nlu+code", "Hello");
        CliRunner.Result r = CliRunner.run("--model", MODEL, "--threads", "1", "--adapter", ChatFixture.NLU.toString(),
                "--adapter", ChatFixture.CODE.toString(), "--merged", "--prompt", "Hello", "--temperature", "0", "--max-tokens", "12");
        assertEquals(0, r.exitCode(), r.err());
        assertEquals(e.reply() + "\n", r.out());
        assertTrue(r.err().contains("loading 100%") && r.err().contains("merging"), r.err());
    }

    @Test
    void interactiveChatOverStdinKeepsTheConversationAndObeysCommands() {
        String hello = ChatFixture.expected("chat", "nlu+code", "Hello").reply();
        ChatJar.Result r = ChatJar.run("Hello\n/clear\n/nonsense\nHello\n/exit\nnot read\n", "--model", MODEL,
                "--adapter", ChatFixture.NLU.toString(), "--adapter", ChatFixture.CODE.toString(),
                "--temperature", "0", "--max-tokens", "12");
        assertEquals(0, r.exitCode(), r.err());
        assertEquals("> " + hello + "\n> > > " + hello + "\n> ", r.out());
        assertTrue(r.err().contains("(conversation cleared)"), r.err());
        assertTrue(r.err().contains("unknown command /nonsense"), r.err());
        assertEquals(2, r.err().lines().filter(l -> l.startsWith("prompt: ")).count(), r.err());
    }

    @Test
    void secondTurnReadsOnlyItsNewTokensAndEndOfInputQuits() {
        ChatJar.Result r = ChatJar.run("Hello\nIs it true?\n", "--model", MODEL, "--temperature", "0", "--max-tokens", "12");
        assertEquals(0, r.exitCode(), r.err());
        List<String> stats = r.err().lines().filter(l -> l.startsWith("prompt: ")).toList();
        assertEquals(2, stats.size(), r.err());
        assertTrue(stats.get(0).startsWith("prompt: 25 tokens (0 cached)"), stats.get(0));
        assertTrue(stats.get(1).matches("prompt: \\d+ tokens \\((3\\d) cached\\).*"), stats.get(1));
    }

    @Test
    void ctrlCAtThePromptOfAChatOverPipesExitsWith130() throws Exception {
        // env --default-signal: a JVM started with SIGINT ignored (as under nohup) never sees Ctrl-C
        Process p = new ProcessBuilder("env", "--default-signal=INT", ChatJar.JAVA, "--add-modules", "jdk.incubator.vector",
                "-cp", ChatJar.jar().toString(), "dev.lorillama.chat.Main", "--model", MODEL, "--temperature", "0",
                "--max-tokens", "12").start();
        ChatJar.Drain out = ChatJar.drain(p.getInputStream());
        ChatJar.Drain err = ChatJar.drain(p.getErrorStream());
        try (OutputStream stdin = p.getOutputStream()) {
            stdin.write("Hello\n".getBytes(StandardCharsets.UTF_8));
            stdin.flush();
            awaitText(err, "prompt: 25 tokens", 1);
            awaitText(out, "> ", 2);
            ChatJar.interrupt(p);
            assertTrue(p.waitFor(20, TimeUnit.SECONDS));
            assertEquals(130, p.exitValue());
            assertEquals("> " + ChatFixture.expected("chat", "base", "Hello").reply() + "\n> ", out.text());
        } finally {
            p.destroyForcibly();
        }
    }

    private static void awaitText(ChatJar.Drain stream, String text, int times) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (stream.text().split(java.util.regex.Pattern.quote(text), -1).length - 1 < times) {
            if (System.nanoTime() > deadline) throw new AssertionError("no '" + text + "' in: " + stream.text());
            Thread.sleep(20);
        }
    }

    @Test
    void helpOfTheTopLevelCommandListsChatOptionsWithDefaultsAndTheSubcommands() {
        CliRunner.Result r = CliRunner.run("--help");
        assertEquals(0, r.exitCode());
        for (String expected : List.of("--model=PATH", "--prompt=TEXT", "--system=TEXT", "--raw", "--temperature=T",
                "Default: 0.6", "--top-p=P", "Default: 0.9", "--top-k=K", "--min-p=P", "--repeat-penalty=R",
                "--seed=N", "--max-tokens=N", "Default: 512", "--adapter=DIR", "--weights=W", "--combination",
                "--threads=N", "--revision=REV", "--offline", "bartowski/Llama-3.2-1B-Instruct-GGUF:Q4_K_M", "logits", "adapter", "tokenize")) {
            assertTrue(r.out().contains(expected), "missing " + expected + " in:\n" + r.out());
        }
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"logits", "adapter", "tokenize", "eval", "serve"})
    void everyCommandHasHelp(String command) {
        CliRunner.Result r = CliRunner.run(command, "--help");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().startsWith("Usage: chat.jar " + command), r.out());
    }

    @Test
    void serveHelpSaysHowConcurrentRequestsAreServedAndShowsDefaults() {
        CliRunner.Result r = CliRunner.run("serve", "--help");
        for (String expected : List.of("batching", "queue", "--kv-budget", "Retry-After", "--parallel=N", "Default: 2.", "--host=HOST",
                "Default: 127.0.0.1", "--port=PORT", "Default: 8080", "--adapter=NAME=DIR", "/v1/chat/completions")) {
            assertTrue(r.out().contains(expected), "missing " + expected + " in:\n" + r.out());
        }
    }

    @Test
    void missingModelDirectoryIsOneClearLine() {
        CliRunner.Result r = CliRunner.run("--model", "/nonexistent/model", "--prompt", "hi");
        assertEquals(2, r.exitCode());
        assertTrue(r.err().startsWith("error: /nonexistent/model"), r.err());
        assertEquals("", r.out());
    }
}
