package dev.lorillama.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Turns generated ids into text as they come, holding back the bytes of a character that is not
 * complete yet: one emoji is often split over two or three tokens, and printing each token alone
 * would show U+FFFD garbage. Everything emitted, plus {@link #flush()}, equals
 * {@link Tokenizer#decode} of all the ids. One per generation stream; not thread-safe.
 */
public final class StreamingDecoder {
    private final Tokenizer tokenizer;
    private byte[] pending = new byte[16];
    private int pendingLength;

    StreamingDecoder(Tokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    /** The text that this token completes; empty while a character is still incomplete. */
    public String accept(int id) {
        byte[] b = tokenizer.bytesOf(id);
        if (pendingLength + b.length > pending.length) pending = Arrays.copyOf(pending, Math.max(pending.length * 2, pendingLength + b.length));
        System.arraycopy(b, 0, pending, pendingLength, b.length);
        pendingLength += b.length;
        int complete = completePrefix(pending, pendingLength);
        if (complete == 0) return "";
        String text = new String(pending, 0, complete, StandardCharsets.UTF_8);
        System.arraycopy(pending, complete, pending, 0, pendingLength - complete);
        pendingLength -= complete;
        return text;
    }

    /** What is left at the end of the stream, an unfinished character as U+FFFD. */
    public String flush() {
        String text = new String(pending, 0, pendingLength, StandardCharsets.UTF_8);
        pendingLength = 0;
        return text;
    }

    /**
     * Length of the prefix that ends on a character boundary: everything unless the last bytes
     * are the start of a multi-byte sequence still waiting for continuation bytes.
     */
    static int completePrefix(byte[] b, int length) {
        for (int back = 1; back <= 3 && back <= length; back++) {
            int lead = b[length - back] & 0xFF;
            if ((lead & 0xC0) == 0x80) continue; // continuation byte: keep looking for the lead
            int needed = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
            return needed > back && lead < 0xF8 ? length - back : length;
        }
        return length;
    }
}
