package dev.lorillama.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lorillama.api.AdapterMix;
import dev.lorillama.api.LogLikelihood;
import dev.lorillama.api.Llama;
import dev.lorillama.api.Session;
import dev.lorillama.server.OpenAiServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The OpenAI API as clients use it beyond plain completions, driven by the official openai npm
 * client (src/test/node/server-features.mjs): logprobs and top_logprobs (checked against the
 * log-likelihood a {@link Session} computes over the whole sequence, an independent path), echo,
 * and {@code GET /v1/models/{id}}.
 */
class ServerOpenAiFeaturesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static Llama llama;
    private static OpenAiServer server;
    private static JsonNode out;

    @BeforeAll
    static void start() throws Exception {
        llama = ChatFixture.load();
        server = OpenAiServer.start(llama, "chat-model", "127.0.0.1", 0);
        out = NodeClient.run("server-features.mjs", "http://127.0.0.1:" + server.port(), 180);
    }

    @AfterAll
    static void stop() {
        server.close();
        llama.close();
    }

    @Test
    void chatLogprobsAreTheModelsOwnLogLikelihoodsWithTheGreedyTokenFirstAmongTheAlternatives() {
        ChatFixture.Expected expected = ChatFixture.expected("chat", "nlu", "Hello");
        JsonNode content = out.get("chatLogprobs").get("logprobs").get("content");
        assertEquals(expected.reply(), out.get("chatLogprobs").get("text").asText());
        assertEquals(expected.replyIds().length, content.size(), "one entry per generated token");
        double[] reference;
        try (Session session = llama.newSession()) {
            session.useAdapters(AdapterMix.of("nlu"));
            LogLikelihood ll = session.logLikelihood(expected.promptIds(), expected.replyIds());
            reference = ll.tokenLogProbs();
            assertTrue(ll.greedy());
        }
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < content.size(); i++) {
            JsonNode e = content.get(i);
            text.append(e.get("token").asText());
            assertEquals(reference[i], e.get("logprob").asDouble(), 1e-3, "token " + i);
            JsonNode top = e.get("top_logprobs");
            assertEquals(3, top.size());
            assertEquals(e.get("token").asText(), top.get(0).get("token").asText(), "greedy: the chosen token is the most likely");
            assertEquals(e.get("logprob").asDouble(), top.get(0).get("logprob").asDouble(), 1e-6);
            assertTrue(top.get(0).get("logprob").asDouble() >= top.get(1).get("logprob").asDouble());
            assertTrue(top.get(1).get("logprob").asDouble() >= top.get(2).get("logprob").asDouble());
            assertTrue(e.get("bytes").isArray());
        }
        assertEquals(expected.reply(), text.toString(), "the tokens spell the reply");
        assertEquals(out.get("chatLogprobs").get("logprobs").get("content"), out.get("chatLogprobsStreamed").get("content"),
                "streamed chunks carry the same entries, each with its own text");
        assertEquals(expected.reply(), out.get("chatLogprobsStreamed").get("text").asText());
    }

    @Test
    void completionLogprobsAreParallelArraysWithTextOffsets() {
        ChatFixture.Expected expected = ChatFixture.expected("raw", "base", "The answer is");
        JsonNode logprobs = out.get("textLogprobs").get("logprobs");
        assertEquals(expected.reply(), out.get("textLogprobs").get("text").asText());
        int n = logprobs.get("tokens").size();
        assertEquals(expected.replyIds().length, n);
        assertEquals(n, logprobs.get("token_logprobs").size());
        assertEquals(n, logprobs.get("top_logprobs").size());
        int offset = 0;
        for (int i = 0; i < n; i++) {
            assertEquals(offset, logprobs.get("text_offset").get(i).asInt());
            offset += logprobs.get("tokens").get(i).asText().length();
            assertEquals(2, logprobs.get("top_logprobs").get(i).size());
            assertTrue(logprobs.get("token_logprobs").get(i).asDouble() <= 0);
        }
    }

    @Test
    void echoStartsTheTextWithThePromptAndIsRefusedWithLogprobsNamingTheField() {
        assertEquals("The answer is" + ChatFixture.expected("raw", "base", "The answer is").reply(), out.get("echo").asText());
        assertEquals(400, out.get("echoAndLogprobs").get("status").asInt());
        assertEquals("echo", out.get("echoAndLogprobs").get("param").asText());
        assertEquals(400, out.get("tooManyTopLogprobs").get("status").asInt());
        assertEquals("top_logprobs", out.get("tooManyTopLogprobs").get("param").asText());
    }

    @Test
    void oneModelByIdAdaptersAndMixesIncludedUnknownIsA404() {
        assertEquals("nlu", out.get("modelNlu").get("id").asText());
        assertEquals("model", out.get("modelNlu").get("object").asText());
        assertEquals("nlu+code", out.get("modelMix").get("id").asText());
        assertEquals(404, out.get("modelMissing").get("status").asInt());
        assertEquals("model_not_found", out.get("modelMissing").get("code").asText());
    }
}
