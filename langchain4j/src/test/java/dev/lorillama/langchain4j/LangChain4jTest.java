package dev.lorillama.langchain4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.service.AiServices;
import dev.langchain4j.service.TokenStream;
import dev.lorillama.api.Llama;
import dev.lorillama.api.LoadOptions;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The chat models through LangChain4j's own AiServices on the chat fixture (tiny random model,
 * adapters "nlu" and "code", greedy replies from the float64 reference in expected.json).
 */
class LangChain4jTest {
    static final Path FIXTURE = Path.of("../tests/src/test/resources/fixtures/chat").toAbsolutePath().normalize();
    private static Llama llama;

    interface Assistant {
        String chat(String message);
    }

    interface StreamingAssistant {
        TokenStream chat(String message);
    }

    enum Sky { SUNNY, CLOUDY, RAIN }

    record Forecast(Sky sky, boolean windy) {} // enums and booleans: no unbounded number or string in the random model's reply

    interface Forecaster {
        Forecast forecast(String city);
    }

    @BeforeAll
    static void load() {
        llama = Llama.load(FIXTURE.resolve("model"), LoadOptions.defaults().threads(1)
                .adapter("nlu", FIXTURE.resolve("adapters/nlu")).adapter("code", FIXTURE.resolve("adapters/code")));
    }

    @AfterAll
    static void close() {
        llama.close();
    }

    /** The reference's greedy reply to "Hello" (chat template) with these adapters. */
    static String reference(String model) throws Exception {
        for (JsonNode c : new ObjectMapper().readTree(Files.readString(FIXTURE.resolve("expected.json"))).get("cases")) {
            if (c.get("mode").asText().equals("chat") && c.get("model").asText().equals(model) && c.get("user").asText().equals("Hello")
                    && c.get("system").isNull()) {
                return c.get("reply").asText();
            }
        }
        throw new AssertionError("no reference reply for " + model);
    }

    private static LorillamaOptions greedy(String adapters) {
        return LorillamaOptions.builder().adapters(adapters).temperature(0).maxTokens(12).build();
    }

    @Test
    void aiServicesGetTheReferenceGreedyReplyWithTheInstancesAdapters() throws Exception {
        Assistant nlu = AiServices.create(Assistant.class, new LorillamaChatModel(llama, greedy("nlu")));
        Assistant code = AiServices.create(Assistant.class, new LorillamaChatModel(llama, greedy("code")));
        assertEquals(reference("nlu"), nlu.chat("Hello"));
        assertEquals(reference("code"), code.chat("Hello"));
    }

    @Test
    void aRequestsModelNamePicksItsAdaptersAndReportsTokens() throws Exception {
        LorillamaChatModel model = new LorillamaChatModel(llama, greedy("nlu"));
        ChatResponse response = model.chat(ChatRequest.builder().messages(UserMessage.from("Hello"))
                .parameters(ChatRequestParameters.builder().modelName("nlu+code").build()).build());
        assertEquals(reference("nlu+code"), response.aiMessage().text());
        assertEquals(12, response.tokenUsage().outputTokenCount());
        assertEquals(dev.langchain4j.model.output.FinishReason.LENGTH, response.finishReason());
    }

    @Test
    void streamingThroughAiServicesDeliversThePiecesThenTheWholeResponse() throws Exception {
        StreamingAssistant assistant = AiServices.builder(StreamingAssistant.class)
                .streamingChatModel(new LorillamaStreamingChatModel(llama, greedy("code"))).build();
        StringBuilder pieces = new StringBuilder();
        CompletableFuture<ChatResponse> done = new CompletableFuture<>();
        assistant.chat("Hello").onPartialResponse(pieces::append).onCompleteResponse(done::complete).onError(done::completeExceptionally).start();
        ChatResponse response = done.get(60, TimeUnit.SECONDS);
        assertEquals(reference("code"), pieces.toString());
        assertEquals(reference("code"), response.aiMessage().text());
    }

    @Test
    void aRecordReturnTypeIsAnsweredByConstrainedDecodingAndAlwaysParses() {
        for (long seed = 1; seed <= 4; seed++) {
            LorillamaOptions sampled = LorillamaOptions.builder().adapters("nlu").temperature(1).seed(seed).maxTokens(200).build();
            Forecaster forecaster = AiServices.create(Forecaster.class, new LorillamaChatModel(llama, sampled));
            Forecast f = forecaster.forecast("Paris"); // the random fixture model writes no JSON unless constrained
            assertNotNull(f.sky(), f.toString());
        }
    }

    @Test
    void stopStringsFromTheOptionsEndTheReply() throws Exception {
        String full = reference("nlu");
        String stop = full.substring(3, 5);
        LorillamaOptions options = LorillamaOptions.builder().adapters("nlu").temperature(0).maxTokens(12).stop(java.util.List.of(stop)).build();
        String cut = AiServices.create(Assistant.class, new LorillamaChatModel(llama, options)).chat("Hello");
        assertEquals(full.substring(0, full.indexOf(stop)), cut);
        assertTrue(cut.length() < full.length());
    }

    /** The README's LangChain4j example compiles and runs (on the chat fixture instead of Llama 3.2 1B). */
    @Test
    void readmeExampleCompilesAndRuns(@TempDir Path dir) throws Exception {
        String readme = Files.readString(Path.of("../README.md"));
        Matcher block = Pattern.compile("## LangChain4j.*?```java\\n(.*?)```", Pattern.DOTALL).matcher(readme);
        assertTrue(block.find(), "no java block in the README's LangChain4j section");
        String example = block.group(1)
                .replace("\"Llama-3.2-1B-Instruct\"", literal(FIXTURE.resolve("model")))
                .replace("\"LoRI-S_nlu_llama3_rank_32\"", literal(FIXTURE.resolve("adapters/nlu")));
        Path source = dir.resolve("ReadmeLangChain4j.java");
        Files.writeString(source, """
                import dev.langchain4j.service.AiServices;
                import dev.lorillama.api.*;
                import dev.lorillama.langchain4j.*;
                import java.nio.file.Path;

                public class ReadmeLangChain4j {
                    public static void main(String[] args) {
                %s    }
                }
                """.formatted(example));
        int compiled = ToolProvider.getSystemJavaCompiler().run(null, null, null, "-d", dir.toString(), "-cp",
                System.getProperty("java.class.path"), source.toString());
        assertEquals(0, compiled, "the README's LangChain4j example does not compile");
        PrintStream stdout = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        try (URLClassLoader loader = new URLClassLoader(new URL[] {dir.toUri().toURL()}, getClass().getClassLoader())) {
            System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
            loader.loadClass("ReadmeLangChain4j").getMethod("main", String[].class).invoke(null, (Object) new String[0]);
        } finally {
            System.setOut(stdout);
        }
        String out = captured.toString(StandardCharsets.UTF_8);
        assertTrue(out.matches("(?s).*\\nAnswer\\[yes=(true|false), certainty=(SURE|UNSURE)]\\n"), out);
    }

    private static String literal(Path path) {
        return "\"" + path.toString().replace("\\", "\\\\") + "\"";
    }
}
