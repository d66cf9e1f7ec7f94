package dev.lorillama.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class ChatFormatTest {
    private final Tokenizer tokenizer = Llama3TestData.tokenizer();
    private final ChatFormat chat = new ChatFormat(tokenizer);

    @Test
    void dialogPromptHasLlama3HeadersAndEndsWithTheAssistantHeader() {
        String user = "What is 2+2? <|eot_id|> is not special here.";
        int[] ids = chat.encodeDialogPrompt(List.of(
                new ChatFormat.Message(Role.SYSTEM, "You are a helpful assistant."),
                new ChatFormat.Message(Role.USER, user + "\n")));
        int[] userIds = tokenizer.encodeOrdinary(user);
        // Ids of the system part and headers from Hugging Face tokenizers for the same prompt text.
        int[] expected = concat(
                new int[] {128000, 128006, 9125, 128007, 271, 2675, 527, 264, 11190, 18328, 13, 128009, 128006, 882, 128007, 271},
                userIds,
                new int[] {128009, 128006, 78191, 128007, 271});
        assertArrayEquals(expected, ids);
        assertFalse(IntStream.of(userIds).anyMatch(id -> id == 128009), "user text must not contain a real <|eot_id|>");
    }

    @Test
    void completionPromptStartsWithBosOnlyWhenAsked() {
        assertArrayEquals(new int[] {128000, 9906, 11, 1917, 0}, chat.encodeCompletionPrompt("Hello, world!", true));
        assertArrayEquals(new int[] {9906, 11, 1917, 0}, chat.encodeCompletionPrompt("Hello, world!", false));
    }

    @Test
    void stopTokensAreEndOfTurnAndEndOfText() {
        assertEquals(Set.of(128009, 128001), tokenizer.stopTokenIds());
        assertEquals(128000, tokenizer.bosId());
        assertEquals(128256, tokenizer.vocabSize());
        assertEquals("<|eot_id|>", tokenizer.tokenText(128009));
        assertEquals(true, tokenizer.isSpecial(128009));
        assertEquals(false, tokenizer.isSpecial(9906));
        assertEquals("Hello", tokenizer.tokenText(9906));
    }

    @Test
    void messageContentIsTrimmedLikeTheReferenceTemplate() {
        assertArrayEquals(chat.encodeMessage(new ChatFormat.Message(Role.USER, "hi")),
                chat.encodeMessage(new ChatFormat.Message(Role.USER, " \u00a0hi\n\n")));
    }

    private static int[] concat(int[]... parts) {
        return Arrays.stream(parts).flatMapToInt(IntStream::of).toArray();
    }
}
