package dev.lorillama.langchain4j;

import dev.langchain4j.model.chat.Capability;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.lorillama.api.Generation;
import dev.lorillama.api.Llama;
import dev.lorillama.api.Reply;
import java.util.Set;

/**
 * A LangChain4j {@link StreamingChatModel} over a loaded {@link Llama}: the reply's pieces (whole
 * UTF-8 characters, as {@link Generation#stream} gives them) go to
 * {@link StreamingChatResponseHandler#onPartialResponse} from a virtual thread per request, then
 * the whole response to {@code onCompleteResponse}; a failure goes to {@code onError}.
 */
public final class LorillamaStreamingChatModel implements StreamingChatModel {
    private final Llama llama;
    private final LorillamaOptions options;

    public LorillamaStreamingChatModel(Llama llama, LorillamaOptions options) {
        this.llama = ChatRequests.check(llama);
        this.options = options;
    }

    @Override
    public void doChat(ChatRequest request, StreamingChatResponseHandler handler) {
        Generation generation;
        try {
            generation = llama.submit(ChatRequests.prompt(request, options));
        } catch (RuntimeException e) {
            handler.onError(e);
            return;
        }
        Thread.ofVirtual().name("lorillama-langchain4j-stream").start(() -> {
            Reply reply;
            try {
                reply = generation.stream(handler::onPartialResponse);
            } catch (RuntimeException e) {
                generation.cancel();
                handler.onError(e);
                return;
            }
            handler.onCompleteResponse(ChatRequests.response(reply, request.parameters().modelName()));
        });
    }

    @Override
    public Set<Capability> supportedCapabilities() {
        return Set.of(Capability.RESPONSE_FORMAT_JSON_SCHEMA);
    }
}
