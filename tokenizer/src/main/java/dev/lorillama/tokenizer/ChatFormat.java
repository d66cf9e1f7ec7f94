package dev.lorillama.tokenizer;

import java.util.List;

/**
 * Llama 3 instruct prompts, as Meta's reference and the Hugging Face chat template write them:
 * <pre>
 * &lt;|begin_of_text|&gt;&lt;|start_header_id|&gt;system&lt;|end_header_id|&gt;\n\n{system}&lt;|eot_id|&gt;
 * &lt;|start_header_id|&gt;user&lt;|end_header_id|&gt;\n\n{user}&lt;|eot_id|&gt;
 * &lt;|start_header_id|&gt;assistant&lt;|end_header_id|&gt;\n\n
 * </pre>
 * (without the line breaks). Message contents are trimmed (both references do) and encoded as
 * plain text, so a user who types {@code <|eot_id|>} cannot end a turn.
 */
public final class ChatFormat {
    /** One turn of a conversation. */
    public record Message(Role role, String content) {
        public Message {
            if (role == null || content == null) throw new IllegalArgumentException("a message needs a role and content");
        }
    }

    private final Tokenizer tokenizer;
    private final int beginOfText, startHeader, endHeader, endOfTurn;

    /** @throws TokenizerException if the tokenizer lacks the Llama 3 chat tokens */
    public ChatFormat(Tokenizer tokenizer) {
        this.tokenizer = tokenizer;
        this.beginOfText = required("<|begin_of_text|>");
        this.startHeader = required("<|start_header_id|>");
        this.endHeader = required("<|end_header_id|>");
        this.endOfTurn = required("<|eot_id|>");
    }

    private int required(String name) {
        return tokenizer.specialTokenId(name).orElseThrow(() -> TokenizerException.field(tokenizer, "special tokens",
                "the Llama 3 chat token " + name, "no such token"));
    }

    /** The ids of a conversation, ending with the assistant's header so the model writes the reply next. */
    public int[] encodeDialogPrompt(List<Message> dialog) {
        IntList ids = new IntList(64);
        ids.add(beginOfText);
        for (Message m : dialog) encodeMessage(m, ids);
        encodeHeader(Role.ASSISTANT, ids);
        return ids.toArray();
    }

    /** The ids of one message: header, trimmed content, {@code <|eot_id|>}. */
    public int[] encodeMessage(Message message) {
        IntList ids = new IntList(32);
        encodeMessage(message, ids);
        return ids.toArray();
    }

    /** Plain text for completion (no chat markup), encoded as plain text, after {@code <|begin_of_text|>} if asked. */
    public int[] encodeCompletionPrompt(String text, boolean withBos) {
        IntList ids = new IntList(text.length() / 3 + 2);
        if (withBos) ids.add(beginOfText);
        ids.addAll(tokenizer.encodeOrdinary(text));
        return ids.toArray();
    }

    private void encodeMessage(Message m, IntList ids) {
        encodeHeader(m.role(), ids);
        ids.addAll(tokenizer.encodeOrdinary(trim(m.content())));
        ids.add(endOfTurn);
    }

    /** Python's str.strip(), which Jinja's trim filter and Meta's reference use: Java's strip() keeps NBSP. */
    static String trim(String s) {
        int from = 0, to = s.length();
        while (from < to && isPythonSpace(s.charAt(from))) from++;
        while (to > from && isPythonSpace(s.charAt(to - 1))) to--;
        return s.substring(from, to);
    }

    private static boolean isPythonSpace(char c) {
        return Character.isWhitespace(c) || Character.isSpaceChar(c) || c == '\u0085';
    }

    private void encodeHeader(Role role, IntList ids) {
        ids.add(startHeader);
        ids.addAll(tokenizer.encodeOrdinary(role.headerName()));
        ids.add(endHeader);
        ids.addAll(tokenizer.encodeOrdinary("\n\n"));
    }
}
