package dev.lorillama.api;

import dev.lorillama.runtime.generate.GenerationResult;
import dev.lorillama.tokenizer.StreamingDecoder;
import dev.lorillama.tokenizer.Tokenizer;
import java.util.Set;

/**
 * Turns generated token ids into a reply's text as they come: whole UTF-8 characters, no special
 * tokens, cut at the first stop string; each piece goes to a listener as soon as it is safe. Used
 * by a {@link Session} (on its caller's thread) and by a {@link Generation} (on the scheduler's).
 */
final class ReplyText {
    private final Tokenizer tokenizer;
    private final Set<Integer> stopTokens;
    private final StreamingDecoder decoder;
    private final StopStrings stops;
    private final TextListener out;
    private final StringBuilder text = new StringBuilder();

    ReplyText(Tokenizer tokenizer, Set<Integer> stopTokens, GenerationSettings settings, TextListener out) {
        this.tokenizer = tokenizer;
        this.stopTokens = stopTokens;
        this.decoder = tokenizer.streamingDecoder();
        this.stops = new StopStrings(settings.stop());
        this.out = out;
    }

    /** Takes a generated token (a stop token adds nothing); false once a stop string ended the reply. */
    boolean accept(int token) {
        if (stopTokens.contains(token)) return true;
        emit(stops.accept(textOf(token)));
        return !stops.stopped();
    }

    /** At the end: the text held back (an unfinished character, the start of a possible stop string). */
    void finish() {
        if (stops.stopped()) return;
        String rest = stops.accept(decoder.flush());
        emit(stops.stopped() ? rest : rest + stops.flush());
    }

    private void emit(String piece) {
        if (piece.isEmpty()) return;
        text.append(piece);
        out.onText(piece);
    }

    /** Text of a generated token: none for special tokens and for ids the tokenizer does not define. */
    private String textOf(int token) {
        if (token >= tokenizer.vocabSize() || tokenizer.isSpecial(token)) return "";
        try {
            return decoder.accept(token);
        } catch (IllegalArgumentException undefinedId) {
            return ""; // an unused id inside the vocabulary (e.g. a reserved slot)
        }
    }

    /** The reply, after {@link #finish()}. */
    Reply reply(GenerationResult result, GenerationSettings settings, int reusedTokens, long prefillNanos) {
        int computed = result.promptTokens() - reusedTokens;
        double promptSpeed = prefillNanos == 0 ? 0 : computed * 1e9 / prefillNanos;
        return new Reply(text.toString(), result.tokens(), finishReason(result, settings), result.promptTokens(), reusedTokens,
                promptSpeed, result.decodeTokensPerSecond());
    }

    private FinishReason finishReason(GenerationResult r, GenerationSettings settings) {
        if (stops.stopped()) return FinishReason.STOP;
        return switch (r.stopReason()) {
            case STOP_TOKEN -> FinishReason.STOP;
            case MAX_TOKENS -> r.tokens().length < settings.maxTokens() ? FinishReason.CONTEXT_FULL : FinishReason.LENGTH;
            case CONTEXT_FULL -> FinishReason.CONTEXT_FULL;
            case CANCELLED -> FinishReason.CANCELLED;
        };
    }
}
