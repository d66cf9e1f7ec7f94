package dev.lorillama.chat;

import dev.lorillama.api.FinishReason;
import dev.lorillama.api.Reply;
import dev.lorillama.api.TextListener;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/** Streams answers to stdout as UTF-8, piece by piece, and reports speeds on stderr. */
final class ReplyPrinter implements TextListener {
    private final PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
    private final PrintStream err = System.err;

    @Override
    public void onText(String piece) {
        out.print(piece);
        out.flush(); // show each piece as it comes
    }

    /** Ends the answer's line and writes what it cost on stderr. */
    void finish(Reply reply) {
        out.println();
        out.flush();
        if (reply.finishReason() == FinishReason.CANCELLED) err.println("[stopped]");
        else if (reply.finishReason() == FinishReason.CONTEXT_FULL) err.println("[context full: /clear starts over]");
        err.println(stats(reply));
        err.flush();
    }

    static String stats(Reply r) {
        return String.format(Locale.ROOT, "prompt: %d tokens (%d cached), %.1f tok/s | generation: %d tokens, %.1f tok/s",
                r.promptTokens(), r.reusedTokens(), r.promptTokensPerSecond(), r.completionTokens(), r.tokensPerSecond());
    }
}
