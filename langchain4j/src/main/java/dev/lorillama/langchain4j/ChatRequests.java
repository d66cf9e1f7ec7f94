package dev.lorillama.langchain4j;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.exception.UnsupportedFeatureException;
import dev.langchain4j.internal.JsonSchemaElementUtils;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.request.ResponseFormat;
import dev.langchain4j.model.chat.request.ResponseFormatType;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.output.FinishReason;
import dev.langchain4j.model.output.TokenUsage;
import dev.lorillama.api.AdapterMix;
import dev.lorillama.api.GenerationSettings;
import dev.lorillama.api.Llama;
import dev.lorillama.api.Prompt;
import dev.lorillama.api.Reply;
import dev.lorillama.runtime.generate.SamplingOptions;
import dev.lorillama.tokenizer.ChatFormat.Message;
import dev.lorillama.tokenizer.Role;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns a LangChain4j {@link ChatRequest} into a {@link Prompt} and a {@link Reply} into a
 * {@link ChatResponse}: the one translation both chat models share. Request parameters override
 * the model instance's defaults; {@code modelName} picks the adapters for this request (an adapter
 * name, {@code "a+b"}, {@code "a*0.6+b*0.4 (linear)"}, or {@code "base"}), as a server request's
 * {@code model} does; a JSON response format is enforced by constrained decoding.
 */
final class ChatRequests {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ChatRequests() {}

    static Prompt prompt(ChatRequest request, LorillamaOptions defaults) {
        ChatRequestParameters p = request.parameters();
        if (p.toolSpecifications() != null && !p.toolSpecifications().isEmpty()) {
            throw new UnsupportedFeatureException("tools are not supported by the lorillama chat model");
        }
        if (p.frequencyPenalty() != null && p.frequencyPenalty() != 0 || p.presencePenalty() != null && p.presencePenalty() != 0) {
            throw new UnsupportedFeatureException("frequencyPenalty and presencePenalty are not supported by the lorillama chat model "
                    + "(use repetitionPenalty on the builder)");
        }
        SamplingOptions base = defaults.settings().sampling();
        SamplingOptions sampling = new SamplingOptions(
                p.temperature() != null ? p.temperature().floatValue() : base.temperature(),
                p.topK() != null ? p.topK() : base.topK(),
                p.topP() != null ? p.topP().floatValue() : base.topP(),
                base.minP(), base.repetitionPenalty(), defaults.seed() != null ? defaults.seed() : System.nanoTime());
        GenerationSettings settings = new GenerationSettings(sampling,
                p.maxOutputTokens() != null ? p.maxOutputTokens() : defaults.settings().maxTokens(),
                p.stopSequences() != null && !p.stopSequences().isEmpty() ? p.stopSequences() : defaults.settings().stop());
        Prompt prompt = Prompt.chat(messages(request.messages())).withSettings(settings).withAdapters(adapters(p.modelName(), defaults));
        ResponseFormat format = p.responseFormat();
        if (format != null && format.type() == ResponseFormatType.JSON) {
            prompt = format.jsonSchema() == null ? prompt.withJsonObject() : prompt.withJsonSchema(schema(format));
        }
        return prompt;
    }

    private static AdapterMix adapters(String modelName, LorillamaOptions defaults) {
        if (modelName == null || modelName.isBlank()) return defaults.adapters();
        if (modelName.equals("base")) return AdapterMix.NONE;
        return AdapterMix.parse(modelName, "base");
    }

    private static JsonNode schema(ResponseFormat format) {
        // strict: every property required, none other (as OpenAI's strict mode): what AiServices needs to fill a record
        return JSON.valueToTree(JsonSchemaElementUtils.toMap(format.jsonSchema().rootElement(), true));
    }

    private static List<Message> messages(List<ChatMessage> messages) {
        List<Message> out = new ArrayList<>();
        for (ChatMessage m : messages) {
            switch (m) {
                case SystemMessage s -> out.add(new Message(Role.SYSTEM, s.text()));
                case UserMessage u -> {
                    if (!u.hasSingleText()) throw new UnsupportedFeatureException("only text user messages are supported (no images or audio)");
                    out.add(new Message(Role.USER, u.singleText()));
                }
                case AiMessage a -> {
                    if (a.hasToolExecutionRequests()) throw new UnsupportedFeatureException("tool calls are not supported");
                    out.add(new Message(Role.ASSISTANT, a.text() == null ? "" : a.text()));
                }
                default -> throw new UnsupportedFeatureException("messages of type " + m.type() + " are not supported");
            }
        }
        return out;
    }

    static ChatResponse response(Reply reply, String modelName) {
        return ChatResponse.builder()
                .aiMessage(AiMessage.from(reply.text()))
                .tokenUsage(new TokenUsage(reply.promptTokens(), reply.completionTokens()))
                .finishReason(switch (reply.finishReason()) {
                    case STOP -> FinishReason.STOP;
                    case LENGTH, CONTEXT_FULL -> FinishReason.LENGTH;
                    case CANCELLED -> FinishReason.OTHER;
                })
                .modelName(modelName)
                .build();
    }

    static Llama check(Llama llama) {
        if (llama == null) throw new IllegalArgumentException("a loaded model is required (Llama.load)");
        return llama;
    }
}
