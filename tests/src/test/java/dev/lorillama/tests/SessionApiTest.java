package dev.lorillama.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lorillama.api.AdapterMix;
import dev.lorillama.api.FinishReason;
import dev.lorillama.api.GenerationSettings;
import dev.lorillama.api.Llama;
import dev.lorillama.api.LogLikelihood;
import dev.lorillama.api.Reply;
import dev.lorillama.api.Session;
import dev.lorillama.runtime.UserInputException;
import dev.lorillama.runtime.generate.SamplingOptions;
import dev.lorillama.tokenizer.ChatFormat.Message;
import dev.lorillama.tokenizer.Role;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The programmatic API (dev.lorillama.api) on the chat fixture, against the float64 reference's replies. */
class SessionApiTest {
    static Llama llama;

    @BeforeAll
    static void load() {
        llama = ChatFixture.load();
    }

    @AfterAll
    static void close() {
        llama.close();
    }

    static List<ChatFixture.Expected> expectedReplies() {
        return ChatFixture.expectedReplies();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("expectedReplies")
    void greedyReplyMatchesReferenceForTemplateAndAdapters(ChatFixture.Expected e) {
        try (Session session = llama.newSession()) {
            session.useAdapters(e.mix());
            StringBuilder streamed = new StringBuilder();
            Reply reply;
            if (e.mode().equals("chat")) {
                session.setSystemPrompt(e.system());
                reply = session.chat(e.user(), GenerationSettings.greedy(e.maxTokens()), streamed::append);
                assertArrayEquals(e.promptIds(), llama.chatFormat().encodeDialogPrompt(conversationBeforeReply(session)));
            } else {
                assertArrayEquals(e.promptIds(), session.completionPrompt(e.user(), true));
                reply = session.complete(e.user(), true, GenerationSettings.greedy(e.maxTokens()), streamed::append);
            }
            assertArrayEquals(e.replyIds(), reply.tokens());
            assertEquals(e.reply(), reply.text());
            assertEquals(e.reply(), streamed.toString());
            assertEquals(e.promptIds().length, reply.promptTokens());
        }
    }

    private static List<Message> conversationBeforeReply(Session session) {
        List<Message> all = new ArrayList<>(session.conversation());
        all.removeLast();
        return all;
    }

    @Test
    void twoSessionsWithDifferentAdaptersRunConcurrentlyAndGiveTheSameTokensAsAlone() throws Exception {
        String prompt = "Hello";
        int tokens = 40;
        int[] nluAlone = replyTokens(AdapterMix.of("nlu"), prompt, tokens, null);
        int[] codeAlone = replyTokens(AdapterMix.of("code"), prompt, tokens, null);
        assertFalse(java.util.Arrays.equals(nluAlone, codeAlone), "the adapters must make a difference");

        CyclicBarrier start = new CyclicBarrier(2);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < 3; round++) {
                Future<int[]> nlu = pool.submit((Callable<int[]>) () -> replyTokens(AdapterMix.of("nlu"), prompt, tokens, start));
                Future<int[]> code = pool.submit((Callable<int[]>) () -> replyTokens(AdapterMix.of("code"), prompt, tokens, start));
                assertArrayEquals(nluAlone, nlu.get());
                assertArrayEquals(codeAlone, code.get());
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static int[] replyTokens(AdapterMix mix, String prompt, int tokens, CyclicBarrier start) throws Exception {
        try (Session session = llama.newSession()) {
            session.useAdapters(mix);
            if (start != null) start.await();
            return session.chat(prompt, GenerationSettings.greedy(tokens), piece -> Thread.yield()).tokens();
        }
    }

    @Test
    void followUpTurnReusesTheCacheAndEqualsAFreshSessionWithTheSameConversation() {
        GenerationSettings greedy = GenerationSettings.greedy(10);
        Reply second;
        List<Message> conversation;
        try (Session session = llama.newSession()) {
            Reply first = session.chat("Hello", greedy, piece -> {});
            second = session.chat("Is it true?", greedy, piece -> {});
            assertTrue(second.reusedTokens() > first.promptTokens() / 2, "reused " + second.reusedTokens());
            conversation = session.conversation();
        }
        try (Session fresh = llama.newSession()) {
            int[] prompt = llama.chatFormat().encodeDialogPrompt(conversation.subList(0, conversation.size() - 1));
            Reply again = fresh.generate(prompt, greedy, piece -> {});
            assertEquals(0, again.reusedTokens());
            assertArrayEquals(again.tokens(), second.tokens());
        }
    }

    @Test
    void samplingWithTheSameSeedRepeatsAndAnotherSeedDiffers() {
        GenerationSettings hot = GenerationSettings.greedy(24).withSampling(new SamplingOptions(1.5f, 0, 1f, 0f, 1f, 7));
        try (Session session = llama.newSession()) {
            Reply a = session.complete("The answer is", true, hot, p -> {});
            Reply b = session.complete("The answer is", true, hot, p -> {});
            Reply c = session.complete("The answer is", true, hot.withSampling(hot.sampling().withSeed(8)), p -> {});
            assertArrayEquals(a.tokens(), b.tokens());
            assertFalse(java.util.Arrays.equals(a.tokens(), c.tokens()));
        }
    }

    @Test
    void stopStringEndsTheReplyBeforeIt() {
        ChatFixture.Expected e = ChatFixture.expected("raw", "base", "The answer is");
        String stop = e.reply().substring(8, 12);
        int cut = e.reply().indexOf(stop);
        try (Session session = llama.newSession()) {
            StringBuilder streamed = new StringBuilder();
            Reply reply = session.complete(e.user(), true, GenerationSettings.greedy(e.maxTokens()).withStop(List.of("zzz", stop)),
                    streamed::append);
            assertEquals(e.reply().substring(0, cut), reply.text());
            assertEquals(reply.text(), streamed.toString());
            assertEquals(FinishReason.STOP, reply.finishReason());
        }
    }

    @Test
    void cancelFromTheListenerEndsTheReplyAfterTheCurrentToken() {
        try (Session session = llama.newSession()) {
            Reply reply = session.complete("The answer is", true, GenerationSettings.greedy(50), piece -> session.cancel());
            assertEquals(FinishReason.CANCELLED, reply.finishReason());
            assertEquals(1, reply.tokens().length);
            Reply next = session.complete("The answer is", true, GenerationSettings.greedy(3), piece -> {});
            assertEquals(FinishReason.LENGTH, next.finishReason(), "a cancel does not leak into the next reply");
        }
    }

    @Test
    void logLikelihoodMarksTheGreedyContinuationAndRanksItAboveAnother() {
        ChatFixture.Expected e = ChatFixture.expected("raw", "base", "The answer is");
        try (Session session = llama.newSession()) {
            int[] context = session.completionPrompt(e.user(), true);
            LogLikelihood greedy = session.logLikelihood(context, java.util.Arrays.copyOf(e.replyIds(), 4));
            assertTrue(greedy.greedy());
            assertEquals(4, greedy.tokenLogProbs().length);
            int[] other = java.util.Arrays.copyOf(e.replyIds(), 4);
            other[0] = 'x';
            LogLikelihood worse = session.logLikelihood(context, other);
            assertFalse(worse.greedy());
            assertTrue(worse.sum() < greedy.sum(), worse.sum() + " vs " + greedy.sum());
            double sum = 0;
            for (double lp : greedy.tokenLogProbs()) {
                assertTrue(lp <= 0);
                sum += lp;
            }
            assertEquals(sum, greedy.sum(), 1e-9);
            // the text form reads the same ids
            assertEquals(greedy.sum(), session.logLikelihood(e.user(), llama.tokenizer().decode(java.util.Arrays.copyOf(e.replyIds(), 4))).sum(), 1e-4);
        }
    }

    @Test
    void switchingAdaptersChangesTheReplyWithoutReloading() {
        try (Session session = llama.newSession()) {
            String base = session.chat("Hello", GenerationSettings.greedy(12), p -> {}).text();
            session.reset();
            session.useAdapters(AdapterMix.of("nlu"));
            String nlu = session.chat("Hello", GenerationSettings.greedy(12), p -> {}).text();
            assertEquals(ChatFixture.expected("chat", "base", "Hello").reply(), base);
            assertEquals(ChatFixture.expected("chat", "nlu", "Hello").reply(), nlu);
            assertNotEquals(base, nlu);
        }
    }

    @Test
    void unknownAdapterNameIsAUserError() {
        try (Session session = llama.newSession()) {
            UserInputException e = assertThrows(UserInputException.class, () -> session.useAdapters(AdapterMix.of("math")));
            assertEquals("unknown adapter 'math' (loaded: nlu, code)", e.getMessage());
        }
    }

    @Test
    void conversationLongerThanTheContextDropsItsOldestTurns() {
        try (Llama small = dev.lorillama.api.Llama.load(ChatFixture.MODEL, dev.lorillama.api.LoadOptions.defaults().threads(1).contextLength(64));
             Session session = small.newSession()) {
            for (int turn = 0; turn < 4; turn++) session.chat("Is it true? " + turn, GenerationSettings.greedy(8), p -> {});
            List<Message> kept = session.conversation();
            assertTrue(kept.size() < 8, "kept " + kept.size());
            assertEquals(new Message(Role.USER, "Is it true? 3"), kept.get(kept.size() - 2));
        }
    }
}
