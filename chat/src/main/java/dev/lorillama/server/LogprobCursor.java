package dev.lorillama.server;

import dev.lorillama.api.TokenLogprob;
import dev.lorillama.tokenizer.Tokenizer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Pairs the text a client was sent with the log-probabilities of the tokens that made it. A
 * token's entry goes out once all its bytes are in the text sent (text arrives in whole
 * characters and may be held back at a possible stop string), so a chunk carries the tokens of its
 * own text; a token that is part of a stop string, or the stop token, is never sent, as its text
 * is not. Special tokens in the middle count no bytes.
 */
final class LogprobCursor {
    private final Tokenizer tokenizer;
    private final int tokens; // entries that may go out at most (the reply's tokens, without the stop token); MAX_VALUE while streaming
    private long sentBytes;
    private long coveredBytes;
    private int next;

    LogprobCursor(Tokenizer tokenizer, int tokens) {
        this.tokenizer = tokenizer;
        this.tokens = tokens;
    }

    /** After {@code text} was sent: the entries its bytes complete, taken from all the entries so far. */
    List<TokenLogprob> after(String text, List<TokenLogprob> all) {
        sentBytes += text.getBytes(StandardCharsets.UTF_8).length;
        List<TokenLogprob> out = new ArrayList<>();
        while (next < all.size() && next < tokens) {
            TokenLogprob e = all.get(next);
            long length = tokenizer.isSpecial(e.id()) ? 0 : e.bytes().length;
            if (coveredBytes + length > sentBytes) break;
            coveredBytes += length;
            out.add(e);
            next++;
        }
        return out;
    }
}
