package dev.lorillama.langchain4j;

import dev.langchain4j.model.chat.Capability;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.lorillama.api.Llama;
import java.util.Set;

/**
 * A LangChain4j {@link ChatModel} over a loaded {@link Llama}: each request is generated in the
 * model's batch ({@link Llama#submit}), so several threads (or AiServices) can use one instance,
 * each request with its own adapters. JSON response formats (which AiServices asks for when a
 * method returns a record or enum) are enforced by constrained decoding.
 */
public final class LorillamaChatModel implements ChatModel {
    private final Llama llama;
    private final LorillamaOptions options;

    public LorillamaChatModel(Llama llama, LorillamaOptions options) {
        this.llama = ChatRequests.check(llama);
        this.options = options;
    }

    @Override
    public ChatResponse doChat(ChatRequest request) {
        return ChatRequests.response(llama.submit(ChatRequests.prompt(request, options)).reply(), request.parameters().modelName());
    }

    @Override
    public Set<Capability> supportedCapabilities() {
        return Set.of(Capability.RESPONSE_FORMAT_JSON_SCHEMA);
    }
}
