package dev.lorillama.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class StreamingDecoderTest {
    private final Tokenizer tokenizer = Llama3TestData.tokenizer();

    @Test
    void emojiSplitAcrossTokensIsEmittedWholeAndNeverAsGarbage() {
        String text = "Nice 👍🏽 and a llama 🦙 family 👨‍👩‍👧!";
        int[] ids = tokenizer.encode(text);
        boolean someTokenEndsMidCharacter = false;
        StreamingDecoder decoder = tokenizer.streamingDecoder();
        StringBuilder out = new StringBuilder();
        for (int id : ids) {
            if (tokenizer.tokenText(id).contains("\uFFFD")) someTokenEndsMidCharacter = true;
            String piece = decoder.accept(id);
            assertFalse(piece.contains("\uFFFD"), "emitted a broken character after id " + id);
            out.append(piece);
        }
        out.append(decoder.flush());
        assertTrue(someTokenEndsMidCharacter, "the test text must split a character across tokens");
        assertEquals(text, out.toString());
    }

    @Test
    void anUnfinishedCharacterIsFlushedAsReplacementCharacter() {
        int[] ids = tokenizer.encode("🦙");
        assertTrue(ids.length > 1);
        StreamingDecoder decoder = tokenizer.streamingDecoder();
        assertEquals("", decoder.accept(ids[0]));
        assertEquals("\uFFFD", decoder.flush());
        assertEquals("", decoder.flush());
    }

    @Test
    void streamedTextEqualsDecodeOnTheWholeCorpus() {
        for (Llama3TestData.Record r : Llama3TestData.corpus()) {
            StreamingDecoder decoder = tokenizer.streamingDecoder();
            StringBuilder out = new StringBuilder();
            for (int id : r.ids()) out.append(decoder.accept(id));
            out.append(decoder.flush());
            assertEquals(r.text(), out.toString(), "record " + r.line());
        }
    }

    @Test
    void specialTokensStreamAsTheirText() {
        StreamingDecoder decoder = tokenizer.streamingDecoder();
        assertEquals("<|eot_id|>", decoder.accept(tokenizer.specialTokenId("<|eot_id|>").getAsInt()));
    }
}
