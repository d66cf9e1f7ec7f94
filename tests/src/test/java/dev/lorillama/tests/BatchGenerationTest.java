package dev.lorillama.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lorillama.api.AdapterMix;
import dev.lorillama.api.FinishReason;
import dev.lorillama.api.GenerationSettings;
import dev.lorillama.api.Generation;
import dev.lorillama.api.Llama;
import dev.lorillama.api.LoadOptions;
import dev.lorillama.api.Prompt;
import dev.lorillama.api.Reply;
import dev.lorillama.api.Session;
import dev.lorillama.runtime.UserInputException;
import dev.lorillama.runtime.generate.QueueFullException;
import dev.lorillama.tokenizer.ChatFormat.Message;
import dev.lorillama.tokenizer.Role;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Batch generation ({@link Llama#generateAll}, {@link Llama#submit}) on the continuous-batching
 * scheduler: prompts with different adapters, lengths and arrival times get the replies of the
 * float64 reference and of a session alone; the queue and the KV budget bound what runs.
 */
class BatchGenerationTest {

    /** The fixture's expected replies as prompts, with their adapters and lengths. */
    private static List<Prompt> fixturePrompts(List<ChatFixture.Expected> cases) {
        List<Prompt> prompts = new ArrayList<>();
        for (ChatFixture.Expected e : cases) {
            Prompt p = e.mode().equals("chat") ? Prompt.chat(dialog(e)) : Prompt.text(e.user(), true);
            prompts.add(p.withAdapters(e.mix()).withSettings(GenerationSettings.greedy(e.maxTokens())));
        }
        return prompts;
    }

    private static List<Message> dialog(ChatFixture.Expected e) {
        List<Message> d = new ArrayList<>();
        if (e.system() != null) d.add(new Message(Role.SYSTEM, e.system()));
        d.add(new Message(Role.USER, e.user()));
        return d;
    }

    @Test
    void aBatchWithADifferentAdapterPerPromptGivesTheReferenceReplies() {
        List<ChatFixture.Expected> cases = ChatFixture.expectedReplies();
        try (Llama llama = ChatFixture.load()) {
            List<Reply> replies = llama.generateAll(fixturePrompts(cases));
            for (int i = 0; i < cases.size(); i++) {
                ChatFixture.Expected e = cases.get(i);
                assertArrayEquals(e.replyIds(), replies.get(i).tokens(), e.toString());
                assertEquals(e.reply(), replies.get(i).text(), e.toString());
                assertEquals(e.promptIds().length, replies.get(i).promptTokens(), e.toString());
            }
        }
    }

    /**
     * Eight prompts (four adapter mixes, chat and raw, 5 to 40 new tokens) through a batch of
     * three: they join as others finish, at different steps, next to different neighbours, and
     * each reply equals the session's alone.
     */
    @Test
    void promptsJoiningAsOthersFinishGetTheRepliesOfASessionAlone() {
        String[] mixes = {"base", "nlu", "code", "nlu+code"};
        try (Llama llama = Llama.load(ChatFixture.MODEL, LoadOptions.defaults().threads(1).adapter("nlu", ChatFixture.NLU)
                .adapter("code", ChatFixture.CODE).batchSize(3))) {
            List<Prompt> prompts = new ArrayList<>();
            List<Reply> alone = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                AdapterMix mix = AdapterMix.parse(mixes[i % 4], "base");
                GenerationSettings settings = GenerationSettings.greedy(5 + 5 * i);
                String text = "Question " + i + ": is " + "the sky ".repeat(i) + "blue?";
                Prompt prompt = (i % 2 == 0 ? Prompt.chat(text) : Prompt.text(text, true)).withAdapters(mix).withSettings(settings);
                prompts.add(prompt);
                try (Session s = llama.newSession()) {
                    s.useAdapters(mix);
                    alone.add(i % 2 == 0 ? s.chat(text, settings, piece -> {}) : s.complete(text, true, settings, piece -> {}));
                }
            }
            List<Reply> batched = llama.generateAll(prompts);
            for (int i = 0; i < prompts.size(); i++) {
                assertArrayEquals(alone.get(i).tokens(), batched.get(i).tokens(), "prompt " + i);
                assertEquals(alone.get(i).text(), batched.get(i).text(), "prompt " + i);
                assertEquals(alone.get(i).finishReason(), batched.get(i).finishReason(), "prompt " + i);
            }
            Map<String, Object> counters = llama.batchCounters();
            assertEquals(8L, counters.get("finished"));
            assertEquals(0, counters.get("generating"));
        }
    }

    @Test
    void streamedPiecesMakeUpTheReplyAndStopStringsCutIt() {
        ChatFixture.Expected e = ChatFixture.expected("chat", "nlu", "Hello");
        try (Llama llama = ChatFixture.load()) {
            StringBuilder pieces = new StringBuilder();
            Generation g = llama.submit(Prompt.chat("Hello").withAdapters(AdapterMix.of("nlu"))
                    .withSettings(GenerationSettings.greedy(e.maxTokens())));
            Reply reply = g.stream(pieces::append);
            assertEquals(e.reply(), reply.text());
            assertEquals(e.reply(), pieces.toString());
            assertTrue(g.isDone());

            String stop = e.reply().substring(e.reply().length() / 2, e.reply().length() / 2 + 2);
            Reply cut = llama.submit(Prompt.chat("Hello").withAdapters(AdapterMix.of("nlu"))
                    .withSettings(GenerationSettings.greedy(e.maxTokens()).withStop(List.of(stop)))).reply();
            assertEquals(e.reply().substring(0, e.reply().indexOf(stop)), cut.text());
            assertEquals(FinishReason.STOP, cut.finishReason());
        }
    }

    /** One sequence at a time and a queue of one: the third prompt is refused at once; cancelling ends the others. */
    @Test
    void aFullQueueRefusesAtOnceAndCancelledPromptsEnd(@TempDir Path dir) throws Exception {
        try (Llama llama = Llama.load(SlowModel.write(dir.resolve("slow")), LoadOptions.defaults().threads(1)
                .batchSize(1).queueSize(1))) {
            GenerationSettings long_ = GenerationSettings.greedy(1000);
            Generation running = llama.submit(Prompt.text("Once upon a time", true).withSettings(long_).withStopTokens(Set.of()));
            CountDownLatch firstPiece = new CountDownLatch(1);
            Thread reader = Thread.ofPlatform().start(() -> running.stream(piece -> firstPiece.countDown()));
            assertTrue(firstPiece.await(60, TimeUnit.SECONDS), "the first prompt runs");
            Generation waiting = llama.submit(Prompt.text("Another one", true).withSettings(long_));
            QueueFullException refused = assertThrows(QueueFullException.class,
                    () -> llama.submit(Prompt.text("One too many", true).withSettings(long_)));
            assertTrue(refused.retryAfterSeconds() >= 1, refused.getMessage());
            assertEquals(1L, llama.batchCounters().get("refused"));

            waiting.cancel();
            Reply neverRan = waiting.reply();
            assertEquals(FinishReason.CANCELLED, neverRan.finishReason());
            assertEquals(0, neverRan.completionTokens());
            running.cancel();
            reader.join();
            Reply stopped = running.reply();
            assertEquals(FinishReason.CANCELLED, stopped.finishReason());
            assertTrue(stopped.completionTokens() >= 1 && stopped.completionTokens() < 1000, "tokens: " + stopped.completionTokens());
        }
    }

    /**
     * A KV budget for two prompts' reservations with room for four sequences: never more than two
     * run (and never more reserved than the budget), the others wait and still finish; a prompt
     * that alone needs more than the budget is refused with the numbers.
     */
    @Test
    void theKvBudgetBoundsWhatRunsAtOnce(@TempDir Path dir) throws Exception {
        int newTokens = 24;
        try (Llama llama = Llama.load(SlowModel.write(dir.resolve("slow")), LoadOptions.defaults().threads(1)
                .batchSize(4).kvBudget(2 * (8 + newTokens)).contextLength(128))) {
            List<Generation> started = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                int[] prompt = {320, 40 + i, 50, 60, 70, 80, 90, 100}; // 8 tokens: each reserves 8 + 24
                started.add(llama.submit(Prompt.tokens(prompt).withSettings(GenerationSettings.greedy(newTokens)).withStopTokens(Set.of())));
            }
            long mostRunning = 0;
            while (!started.stream().allMatch(Generation::isDone)) {
                Map<String, Object> c = llama.batchCounters();
                mostRunning = Math.max(mostRunning, ((Number) c.get("generating")).longValue());
                assertTrue(((Number) c.get("kv_reserved_tokens")).longValue() <= 2 * (8 + newTokens), c.toString());
                Thread.sleep(2);
            }
            assertEquals(2, mostRunning, "two prompts fit the budget at once");
            for (Generation g : started) assertEquals(newTokens, g.reply().completionTokens());

            UserInputException tooBig = assertThrows(UserInputException.class,
                    () -> llama.submit(Prompt.tokens(new int[] {320, 1, 2}).withSettings(GenerationSettings.greedy(100))));
            assertTrue(tooBig.getMessage().contains("KV budget is 64 tokens"), tooBig.getMessage());
        }
    }
}
