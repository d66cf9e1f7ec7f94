package dev.lorillama.chat;

import dev.lorillama.api.FinishReason;
import dev.lorillama.api.Llama;
import dev.lorillama.api.Reply;
import dev.lorillama.api.TextListener;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Streams answers to stdout as UTF-8, piece by piece, and reports on stderr what it cost and what
 * the context did to it: an answer cut at the context length, and earlier messages left out to
 * make room (said each time it happens, so no history disappears unannounced).
 */
final class ReplyPrinter implements TextListener {
    private final PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
    private final PrintStream err = System.err;
    private final boolean interactive;
    private final int context;
    private final int maxContext;

    private ReplyPrinter(boolean interactive, Llama llama) {
        this.interactive = interactive;
        this.context = llama.contextLength();
        this.maxContext = llama.config().maxPositions();
    }

    /** For the interactive chat, where /clear exists and the next message drops old turns. */
    static ReplyPrinter interactive(Llama llama) {
        return new ReplyPrinter(true, llama);
    }

    /** For one answer (--prompt): no conversation to clear. */
    static ReplyPrinter oneShot(Llama llama) {
        return new ReplyPrinter(false, llama);
    }

    @Override
    public void onText(String piece) {
        out.print(piece);
        out.flush(); // show each piece as it comes
    }

    /** Ends the answer's line and writes what it cost on stderr. */
    void finish(Reply reply) {
        out.println();
        out.flush();
        if (reply.droppedMessages() > 0) {
            err.printf(Locale.ROOT, "[the conversation outgrew the context of %d tokens: its %d oldest messages were left out of this answer's "
                    + "prompt; /clear starts over]%n", context, reply.droppedMessages());
        }
        if (reply.finishReason() == FinishReason.CANCELLED) err.println("[stopped]");
        else if (reply.finishReason() == FinishReason.CONTEXT_FULL) err.println(contextFull());
        err.println(stats(reply));
        err.flush();
    }

    private String contextFull() {
        String cut = "[context full: the answer stopped at the context length, " + context + " tokens";
        if (interactive) return cut + "; the next message leaves the oldest ones out, /clear starts over]";
        return cut + (maxContext > context ? "; --context " + maxContext + " allows the model's maximum]" : ", the model's maximum]");
    }

    static String stats(Reply r) {
        return String.format(Locale.ROOT, "prompt: %d tokens (%d cached), %.1f tok/s | generation: %d tokens, %.1f tok/s",
                r.promptTokens(), r.reusedTokens(), r.promptTokensPerSecond(), r.completionTokens(), r.tokensPerSecond());
    }
}
