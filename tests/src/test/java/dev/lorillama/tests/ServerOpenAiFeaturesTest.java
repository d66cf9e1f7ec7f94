package dev.lorillama.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.io.JsonEOFException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lorillama.api.AdapterMix;
import dev.lorillama.api.LogLikelihood;
import dev.lorillama.api.Llama;
import dev.lorillama.api.LoadOptions;
import dev.lorillama.api.Session;
import dev.lorillama.server.OpenAiServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The OpenAI API as clients use it beyond plain completions, driven by the official openai npm
 * client (src/test/node/server-features.mjs): logprobs and top_logprobs (checked against the
 * log-likelihood a {@link Session} computes over the whole sequence, an independent path), echo,
 * {@code GET /v1/models/{id}}, and response_format by constrained decoding (the replies checked
 * with ajv, an independent JSON Schema validator).
 */
class ServerOpenAiFeaturesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static Llama llama;
    private static OpenAiServer server;
    private static JsonNode out;

    @BeforeAll
    static void start(@TempDir Path dir) throws Exception {
        // Llama 3.1's tool prompt (the tools as indented JSON) is longer than the fixture's 512 positions: the same
        // model with a config that allows 2048 (RoPE has no learned positions; replies within 512 are unchanged)
        Path model = dir.resolve("model");
        Files.createDirectories(model);
        try (var files = Files.list(ChatFixture.MODEL)) {
            for (Path f : files.toList()) Files.copy(f, model.resolve(f.getFileName()));
        }
        ObjectNode config = (ObjectNode) JSON.readTree(model.resolve("config.json").toFile());
        Files.writeString(model.resolve("config.json"), config.put("max_position_embeddings", 2048).toString());
        llama = Llama.load(model, LoadOptions.defaults().threads(1).contextLength(2048)
                .adapter("nlu", ChatFixture.NLU).adapter("code", ChatFixture.CODE));
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
        JsonNode streamed = out.get("chatLogprobsStreamed").get("content");
        assertEquals(content.size(), streamed.size(), "streamed chunks carry the same entries, each with its own text");
        for (int i = 0; i < content.size(); i++) { // the same tokens; values within float noise (another batch, other chunking)
            assertEquals(content.get(i).get("token"), streamed.get(i).get("token"));
            assertEquals(content.get(i).get("logprob").asDouble(), streamed.get(i).get("logprob").asDouble(), 1e-4);
        }
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

    @Test
    void jsonSchemaRepliesEndAndValidateWhateverTheAdaptersStreamedAndOnBothEndpoints() {
        List<JsonNode> replies = new ArrayList<>();
        out.get("jsonSchema").forEach(replies::add);
        replies.add(out.get("jsonSchemaStreamed"));
        replies.add(out.get("jsonSchemaCompletion"));
        for (JsonNode r : replies) {
            assertEquals("stop", r.get("finish").asText(), r.toString());
            assertTrue(r.get("valid").asBoolean(), "ajv: " + r);
        }
        assertThrows(JsonProcessingException.class, () -> JSON.readTree(out.get("unconstrained").asText()),
                "without response_format the random fixture model writes no JSON");
    }

    @Test
    void jsonModeRepliesAreAlwaysAnObjectOrAPrefixOfOneWhenCutByMaxTokens() throws Exception {
        for (JsonNode r : out.get("jsonObject")) {
            String text = r.get("text").asText();
            assertTrue(text.stripLeading().startsWith("{"), text);
            if (r.get("finish").asText().equals("stop")) assertTrue(JSON.readTree(text).isObject(), text);
            else assertTrue(isJsonPrefix(text), "a prefix of valid JSON: " + text);
        }
    }

    /** Whether Jackson, reading the text to its end, finds nothing wrong but the end coming too soon. */
    private static boolean isJsonPrefix(String text) throws IOException {
        try (JsonParser parser = JSON.getFactory().createParser(text)) {
            while (parser.nextToken() != null) {
                // read every token
            }
            return true;
        } catch (JsonEOFException endTooSoon) {
            return true;
        } catch (JsonParseException malformed) {
            return malformed.getMessage().contains("end-of-input");
        }
    }

    @Test
    void schemasThatCannotBeEnforcedAndStopStringsWithJsonAre400sNamingTheField() {
        JsonNode pattern = out.get("unenforceableSchema");
        assertEquals(400, pattern.get("status").asInt());
        assertEquals("response_format.json_schema.schema", pattern.get("param").asText());
        assertTrue(pattern.get("message").asText().contains("'pattern'"), pattern.toString());
        assertEquals(400, out.get("jsonWithStop").get("status").asInt());
        assertEquals("stop", out.get("jsonWithStop").get("param").asText());
    }

    @Test
    void aForcedToolCallComesBackAsToolCallsWithArgumentsValidUnderTheToolsSchema() {
        for (String key : List.of("toolRequired", "toolNamed")) {
            JsonNode r = out.get(key);
            assertEquals("tool_calls", r.get("finish").asText(), r.toString());
            assertTrue(r.get("content").isNull(), r.toString());
            assertEquals(1, r.get("calls").size(), r.toString());
            JsonNode call = r.get("calls").get(0);
            assertEquals("function", call.get("type").asText());
            assertTrue(call.get("id").asText().startsWith("call_"));
            assertTrue(call.get("valid").asBoolean(), "ajv: " + r);
        }
        assertEquals("get_time", out.get("toolNamed").get("calls").get(0).get("name").asText(), "tool_choice names the function");
        JsonNode streamed = out.get("toolStreamed");
        assertEquals("tool_calls", streamed.get("finish").asText());
        assertEquals("get_weather", streamed.get("calls").get(0).get("function").get("name").asText());
        assertEquals(0, streamed.get("calls").get(0).get("index").asInt());
    }

    @Test
    void withToolChoiceAutoTheModelMayAnswerInTextAndAFollowUpCarriesTheCallAndItsResult() {
        JsonNode auto = out.get("toolAuto");
        assertTrue(auto.get("calls").isEmpty() ? auto.get("content").isTextual() : auto.get("finish").asText().equals("tool_calls"), auto.toString());
        JsonNode followUp = out.get("toolFollowUp");
        assertTrue(followUp.get("content").isTextual(), followUp.toString());
        assertTrue(followUp.get("usage").get("prompt_tokens").asInt() > 100, "the tools, the call and the result are in the prompt");
    }

    @Test
    void toolsThatCannotBeEnforcedOrAreUnknownAre400sNamingTheField() {
        assertEquals(400, out.get("toolUnenforceable").get("status").asInt());
        assertEquals("tools[0].function.parameters", out.get("toolUnenforceable").get("param").asText());
        assertTrue(out.get("toolUnenforceable").get("message").asText().contains("'format'"));
        assertEquals(400, out.get("toolChoiceUnknown").get("status").asInt());
        assertEquals("tool_choice", out.get("toolChoiceUnknown").get("param").asText());
    }
}
