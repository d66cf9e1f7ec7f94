package dev.lorillama.tokenizer;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;

/**
 * The Llama 3 tokenizer: byte-level BPE over the pieces that {@link Llama3PreTokenizer} cuts the
 * text into, with added tokens (such as {@code <|eot_id|>}) matched before that.
 *
 * <p>Immutable and safe for concurrent use: each encode call has its own scratch space.
 */
public final class Tokenizer {
    /** Llama 3's control tokens that end a reply, whatever the config files say. */
    private static final List<String> STANDARD_STOP_TOKENS = List.of("<|eot_id|>", "<|end_of_text|>", "<|eom_id|>");

    private final String source;
    private final BytePairEncoder bpe;
    private final AddedTokens added;
    private final byte[][] idToBytes; // token bytes, or the UTF-8 of an added token's text
    private final int vocabSize;
    private final int bosId;
    private final int eosId;
    private final Set<Integer> stopTokenIds;

    /** Llama 3 has 256 special tokens past its vocabulary; an id far beyond is a corrupt file, not a table to allocate. */
    static final int MAX_ADDED_TOKENS = 1 << 16;

    Tokenizer(TokenizerParts parts) {
        this.source = parts.source();
        this.bpe = new BytePairEncoder(parts.tokenBytes(), parts.merges(), parts.ignoreMerges());
        int missing = bpe.missingByte();
        if (missing >= 0) {
            throw new TokenizerException(String.format("%s: no token for the byte 0x%02X (a byte-level BPE vocabulary has one for each"
                    + " of the 256 bytes)", source, missing));
        }
        this.added = new AddedTokens(parts.added());
        int size = parts.tokenBytes().length;
        for (AddedToken t : parts.added()) {
            if (t.id() < 0 || t.id() >= parts.tokenBytes().length + MAX_ADDED_TOKENS) {
                throw new TokenizerException(source + ": added token \"" + t.content() + "\" has id " + t.id() + ", expected 0.."
                        + (parts.tokenBytes().length + MAX_ADDED_TOKENS - 1) + " (at most " + MAX_ADDED_TOKENS + " past the vocabulary)");
            }
            size = Math.max(size, t.id() + 1);
        }
        this.vocabSize = size;
        this.idToBytes = Arrays.copyOf(parts.tokenBytes(), size);
        for (AddedToken t : parts.added()) idToBytes[t.id()] = t.content().getBytes(StandardCharsets.UTF_8);
        this.bosId = parts.bosId();
        Set<Integer> stops = new LinkedHashSet<>();
        for (String name : STANDARD_STOP_TOKENS) specialTokenId(name).ifPresent(stops::add);
        for (int id : parts.eosIds()) if (id >= 0 && id < size && idToBytes[id] != null) stops.add(id);
        this.eosId = parts.eosIds().isEmpty() ? -1 : parts.eosIds().get(0);
        this.stopTokenIds = Collections.unmodifiableSet(stops);
    }

    /**
     * Loads a tokenizer from a file or a model checkpoint directory: Hugging Face
     * {@code tokenizer.json} (with {@code tokenizer_config.json} beside it, if there), optionally
     * gzipped, or Meta's tiktoken-format {@code tokenizer.model}. A directory is searched for
     * {@code tokenizer.json}, then {@code tokenizer.model}, then {@code original/tokenizer.model}.
     *
     * @throws TokenizerException for a missing, malformed or unsupported tokenizer
     */
    public static Tokenizer load(Path fileOrDir) {
        return new Tokenizer(TokenizerFiles.read(fileOrDir));
    }

    /**
     * A tokenizer from GGUF metadata ({@code tokenizer.ggml.*}) of a Llama 3 model.
     *
     * @param tokens     the token strings, GPT-2 byte-level spelling as in tokenizer.json
     * @param merges     merge rules, "left right", highest priority first
     * @param tokenTypes llama.cpp token types per token (3 = control, 4 = user-defined; others are
     *                   BPE tokens), or null
     * @param bosId      the beginning-of-text id, or -1
     * @param eosId      the end-of-text id, or -1
     */
    public static Tokenizer fromGguf(List<String> tokens, List<String> merges, int[] tokenTypes, int bosId, int eosId) {
        return new Tokenizer(GgufVocabulary.parts(tokens, merges, tokenTypes, bosId, eosId));
    }

    /** The ids of {@code text}, with special-token strings such as {@code <|eot_id|>} turned into their ids. */
    public int[] encode(String text) {
        return encode(text, true);
    }

    /**
     * The ids of {@code text}, with special-token strings encoded as the plain text they are: the
     * safe choice for untrusted input, which then cannot forge a turn of the conversation. (Added
     * tokens that are not special, which Llama 3 has none of, are still matched, as in Hugging
     * Face's split_special_tokens mode.)
     */
    public int[] encodeOrdinary(String text) {
        return encode(text, false);
    }

    private int[] encode(String text, boolean recogniseSpecial) {
        IntList out = new IntList(text.length() / 3 + 4);
        EncodeScratch scratch = new EncodeScratch();
        int[] start = new int[1];
        int i = 0;
        while (i < text.length()) {
            AddedToken token = added.find(text, i, recogniseSpecial, start);
            int segmentEnd = token == null ? text.length() : start[0];
            encodeSegment(text, i, segmentEnd, out, scratch);
            if (token == null) break;
            out.add(token.id());
            i = segmentEnd + token.content().length();
        }
        return out.toArray();
    }

    /** Pre-tokenizes {@code text[from, to)} and BPE-encodes each piece's UTF-8 bytes. */
    private void encodeSegment(String text, int from, int to, IntList out, EncodeScratch scratch) {
        int pos = from;
        while (pos < to) {
            int end = Llama3PreTokenizer.pieceEnd(text, pos, to);
            int length = scratch.utf8(text, pos, end);
            bpe.encode(scratch.bytes, length, out, scratch.bpe);
            pos = end;
        }
    }

    /** The text of the tokens: their bytes joined and read as UTF-8 (broken characters become U+FFFD). */
    public String decode(int[] ids) {
        int length = 0;
        for (int id : ids) length += bytesOf(id).length;
        byte[] all = new byte[length];
        int at = 0;
        for (int id : ids) {
            byte[] b = bytesOf(id);
            System.arraycopy(b, 0, all, at, b.length);
            at += b.length;
        }
        return new String(all, StandardCharsets.UTF_8);
    }

    /**
     * {@link #decode(int[])} without special tokens (and without ids the vocabulary leaves
     * undefined), as Hugging Face's {@code decode(ids, skip_special_tokens=True)}.
     */
    public String decodeSkippingSpecial(int[] ids) {
        int kept = 0;
        int[] text = new int[ids.length];
        for (int id : ids) {
            if (id >= 0 && id < vocabSize && idToBytes[id] != null && !isSpecial(id)) text[kept++] = id;
        }
        return decode(java.util.Arrays.copyOf(text, kept));
    }

    /** A decoder for a stream of generated ids that only ever emits whole characters. */
    public StreamingDecoder streamingDecoder() {
        return new StreamingDecoder(this);
    }

    /** The raw bytes a token stands for (an added token: the UTF-8 of its text). */
    byte[] bytesOf(int id) {
        if (id < 0 || id >= vocabSize || idToBytes[id] == null) {
            throw new IllegalArgumentException("token id " + id + " is not in the vocabulary of " + source
                    + " (ids 0.." + (vocabSize - 1) + ")");
        }
        return idToBytes[id];
    }

    /**
     * A copy of the bytes a token stands for, or null for an id the vocabulary leaves undefined
     * (a special token: the UTF-8 of its text).
     */
    public byte[] tokenBytes(int id) {
        if (id < 0 || id >= vocabSize || idToBytes[id] == null) return null;
        return idToBytes[id].clone();
    }

    /** One more than the largest token id. */
    public int vocabSize() {
        return vocabSize;
    }

    /** The beginning-of-text id, or -1 if this tokenizer has none. */
    public int bosId() {
        return bosId;
    }

    /**
     * The end-of-text id the tokenizer is configured with ({@code eos_token} of
     * tokenizer_config.json, else generation_config.json's first, else GGUF's), or -1: what a
     * training example ends with, as Hugging Face's {@code tokenizer.eos_token_id}.
     */
    public int eosId() {
        return eosId;
    }

    /** Ids at which generation stops: {@code <|eot_id|>}, {@code <|end_of_text|>}, {@code <|eom_id|>} where present, and the configured eos ids. */
    public Set<Integer> stopTokenIds() {
        return stopTokenIds;
    }

    /** The id of an added token such as {@code "<|eot_id|>"}. */
    public OptionalInt specialTokenId(String content) {
        AddedToken t = added.byContent(content);
        return t == null ? OptionalInt.empty() : OptionalInt.of(t.id());
    }

    /** Whether the id is a special (control) token. */
    public boolean isSpecial(int id) {
        AddedToken t = added.byId(id);
        return t != null && t.special();
    }

    /** A token's text: an added token's content, else its bytes as UTF-8 (a partial character shows as U+FFFD). */
    public String tokenText(int id) {
        AddedToken t = added.byId(id);
        return t != null ? t.content() : new String(bytesOf(id), StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "Tokenizer[" + source + ", " + vocabSize + " ids]";
    }

    /** Per-call buffers: the UTF-8 of the current piece and the BPE work arrays. */
    private static final class EncodeScratch {
        byte[] bytes = new byte[256];
        final BytePairEncoder.Scratch bpe = new BytePairEncoder.Scratch();

        /** Writes the UTF-8 of {@code s[from, to)} to {@link #bytes}; a lone surrogate becomes U+FFFD. */
        int utf8(String s, int from, int to) {
            if (bytes.length < (to - from) * 3) bytes = new byte[(to - from) * 3];
            byte[] b = bytes;
            int n = 0;
            for (int i = from; i < to; i++) {
                char c = s.charAt(i);
                if (c < 0x80) {
                    b[n++] = (byte) c;
                } else if (c < 0x800) {
                    b[n++] = (byte) (0xC0 | (c >> 6));
                    b[n++] = (byte) (0x80 | (c & 0x3F));
                } else if (Character.isHighSurrogate(c) && i + 1 < to && Character.isLowSurrogate(s.charAt(i + 1))) {
                    int cp = Character.toCodePoint(c, s.charAt(++i));
                    b[n++] = (byte) (0xF0 | (cp >> 18));
                    b[n++] = (byte) (0x80 | ((cp >> 12) & 0x3F));
                    b[n++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
                    b[n++] = (byte) (0x80 | (cp & 0x3F));
                } else {
                    int cp = Character.isSurrogate(c) ? 0xFFFD : c;
                    b[n++] = (byte) (0xE0 | (cp >> 12));
                    b[n++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
                    b[n++] = (byte) (0x80 | (cp & 0x3F));
                }
            }
            return n;
        }
    }
}
