package dev.lorillama.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lorillama.api.Llama;
import dev.lorillama.tokenizer.ChatFormat;
import dev.lorillama.tokenizer.Role;
import java.io.OutputStream;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The interactive chat's commands and input as users type them: /adapter and /set in a running
 * chat, messages of several lines, what the context does to a conversation, and Ctrl-C on a
 * console (a pseudo-terminal from util-linux {@code script}).
 */
class InteractiveChatTest {
    private static final String MODEL = ChatFixture.MODEL.toString();
    private static int[] promptLengths;

    @BeforeAll
    static void promptLengths() {
        try (Llama llama = ChatFixture.load()) {
            ChatFormat format = llama.chatFormat();
            promptLengths = new int[] {
                    format.encodeDialogPrompt(List.of(new ChatFormat.Message(Role.USER, "Hel\nlo"))).length,
                    format.encodeDialogPrompt(List.of(new ChatFormat.Message(Role.USER, "one\ntwo\nthree"))).length};
        }
    }

    @Test
    void adaptersAndSamplingChangeInARunningChatAndMessagesSpanLines() {
        ChatFixture.Expected nlu = ChatFixture.expected("chat", "nlu", "Hello");
        String stdin = String.join("\n",
                "/adapter",
                "/set temperature 0",
                "/set max_tokens 12",
                "/adapter nlu",
                "Hello",
                "/clear",
                "/adapter none",
                "Hello",
                "/clear",
                "/adapter nlu+code 1,1",
                "Hello",
                "/adapter math",
                "/set temperature -1",
                "/set warmth 3",
                "/clear",
                "Hel\\",
                "lo",
                "/clear",
                "\"\"\"",
                "one",
                "two",
                "three\"\"\"",
                "/exit", "");
        ChatJar.Result r = ChatJar.run(stdin, "--model", MODEL, "--adapter", ChatFixture.NLU.toString(),
                "--adapter", ChatFixture.CODE.toString(), "--temperature", "0.6", "--threads", "1");
        assertEquals(0, r.exitCode(), r.err());
        List<String> answers = Pattern.compile("> (?:\\.\\.\\. )*").splitAsStream(r.out()).filter(s -> !s.isBlank())
                .map(String::strip).toList();
        assertEquals(nlu.reply().strip(), answers.get(0), r.out());
        assertEquals(ChatFixture.expected("chat", "base", "Hello").reply().strip(), answers.get(1), r.out());
        assertEquals(ChatFixture.expected("chat", "nlu+code", "Hello").reply().strip(), answers.get(2), r.out());
        String err = r.messages();
        assertTrue(err.contains("(adapters: nlu+code; loaded: nlu, code)"), err);
        assertTrue(err.contains("(adapters: nlu; loaded: nlu, code)"), err);
        assertTrue(err.contains("(adapters: base; loaded: nlu, code)"), err);
        assertTrue(err.contains("(temperature 0, top-k 0, top-p 0.9, min-p 0, repeat-penalty 1, seed "), err);
        assertTrue(err.contains("(unknown adapter 'math' (loaded: nlu, code))"), err);
        assertTrue(err.contains("(temperature must be >= 0, got -1.0)"), err);
        assertTrue(err.contains("(no setting 'warmth'; settings: temperature, top-k"), err);
        List<String> stats = err.lines().filter(l -> l.startsWith("prompt: ")).toList();
        assertEquals(5, stats.size(), err);
        assertTrue(stats.get(3).startsWith("prompt: " + promptLengths[0] + " tokens"), "a line ending in \\ goes on: " + stats.get(3));
        assertTrue(stats.get(4).startsWith("prompt: " + promptLengths[1] + " tokens"), "a \"\"\" block is one message: " + stats.get(4));
    }

    @Test
    void whenTheConversationOutgrowsTheContextTheChatSaysWhatItLeftOut() {
        ChatJar.Result r = ChatJar.run("Hello\nHello\n", "--model", MODEL, "--context", "48", "--temperature", "0",
                "--max-tokens", "100", "--threads", "1");
        assertEquals(0, r.exitCode(), r.err());
        String err = r.messages();
        assertTrue(err.contains("[context full: the answer stopped at the context length, 48 tokens; the next message leaves the oldest "
                + "ones out, /clear starts over]"), err);
        assertTrue(err.contains("[the conversation outgrew the context of 48 tokens: its 2 oldest messages were left out of this "
                + "answer's prompt; /clear starts over]"), err);
        List<String> stats = err.lines().filter(l -> l.startsWith("prompt: ")).toList();
        assertTrue(stats.get(1).startsWith("prompt: 25 tokens"), "the second question alone: " + stats);
    }

    @Test
    void aSessionSaysHowManyMessagesItLeftOut() {
        try (Llama llama = dev.lorillama.api.Llama.load(ChatFixture.MODEL, dev.lorillama.api.LoadOptions.defaults().threads(1).contextLength(48));
             dev.lorillama.api.Session session = llama.newSession()) {
            dev.lorillama.api.GenerationSettings greedy = dev.lorillama.api.GenerationSettings.greedy(100);
            dev.lorillama.api.Reply first = session.chat("Hello", greedy, p -> {});
            assertEquals(dev.lorillama.api.FinishReason.CONTEXT_FULL, first.finishReason());
            assertEquals(0, first.droppedMessages());
            dev.lorillama.api.Reply second = session.chat("Hello", greedy, p -> {});
            assertEquals(2, second.droppedMessages());
            assertEquals(25, second.promptTokens());
            assertEquals(2, session.conversation().size(), "the question and its answer; the first turn is gone");
        }
    }

    @Test
    void oneShotModeDoesNotSuggestAClearItDoesNotHave() {
        CliRunner.Result r = CliRunner.run("--model", MODEL, "--prompt", "Hello", "--context", "30", "--temperature", "0",
                "--max-tokens", "100", "--threads", "1");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.err().contains("[context full: the answer stopped at the context length, 30 tokens; --context 512 allows the "
                + "model's maximum]"), r.err());
        assertTrue(!r.err().contains("/clear"), r.err());
    }

    @Test
    void ctrlCClearsTypedTextAndOnAnEmptyLineExitsAndAPasteIsOneMessage() throws Exception {
        String command = "env --default-signal=INT " + ChatJar.JAVA + " -jar " + ChatJar.jar() + " --model " + MODEL
                + " --threads 1 --temperature 0 --max-tokens 4";
        Process p = new ProcessBuilder("script", "-qfec", command, "/dev/null").redirectErrorStream(true).start();
        ChatJar.Drain console = ChatJar.drain(p.getInputStream());
        try (OutputStream keys = p.getOutputStream()) {
            ChatJar.awaitConsole(console, "Ctrl-D or /exit quits.", 1);
            Thread.sleep(500);
            ChatJar.type(keys, "never sent\u0003");
            Thread.sleep(1000);
            assertTrue(p.isAlive(), "Ctrl-C with typed text only clears it: " + console.text());
            ChatJar.type(keys, "\u001b[200~one\ntwo\nthree\u001b[201~\r"); // a bracketed paste of three lines, then Enter
            ChatJar.awaitConsole(console, "generation: ", 1);
            Thread.sleep(500);
            ChatJar.type(keys, "\u0003");
            assertTrue(p.waitFor(20, TimeUnit.SECONDS), "Ctrl-C on an empty line exits: " + console.text());
            assertEquals(130, p.exitValue());
            String text = console.text().replace("\r", "");
            List<String> stats = text.lines().filter(l -> l.contains("prompt: ")).toList();
            assertEquals(1, stats.size(), "only the paste was sent: " + text);
            assertTrue(stats.get(0).contains("prompt: " + promptLengths[1] + " tokens"), "the paste is one message of three lines: " + stats);
        } finally {
            p.destroyForcibly();
        }
    }
}
