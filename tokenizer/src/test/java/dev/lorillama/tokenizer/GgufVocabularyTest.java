package dev.lorillama.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;

/** The GGUF factory, fed what a llama.cpp conversion of Llama 3 stores: the tokenizer.json's tokens and merges. */
class GgufVocabularyTest {
    @Test
    void ggufMetadataEncodesTheCorpusLikeTokenizerJson() throws IOException {
        Tokenizer fromJson = Llama3TestData.tokenizer();
        JsonNode root;
        try (InputStream in = new GZIPInputStream(java.nio.file.Files.newInputStream(Llama3TestData.tokenizerJson()))) {
            root = new ObjectMapper().readTree(in);
        }
        int n = fromJson.vocabSize();
        List<String> tokens = new ArrayList<>();
        int[] types = new int[n];
        for (int id = 0; id < n; id++) {
            boolean special = fromJson.isSpecial(id);
            tokens.add(special ? fromJson.tokenText(id) : ByteLevel.encode(fromJson.bytesOf(id)));
            types[id] = special ? GgufVocabulary.TYPE_CONTROL : 1;
        }
        List<String> merges = new ArrayList<>();
        root.path("model").path("merges").forEach(m -> merges.add(m.isTextual() ? m.asText() : m.get(0).asText() + " " + m.get(1).asText()));

        Tokenizer fromGguf = Tokenizer.fromGguf(tokens, merges, types, 128000, 128009);
        assertEquals(128000, fromGguf.bosId());
        assertEquals(Set.of(128009, 128001), fromGguf.stopTokenIds());
        for (Llama3TestData.Record r : Llama3TestData.corpus()) {
            assertArrayEquals(r.ids(), fromGguf.encode(r.text()), () -> "record " + r.line());
        }
    }

    @Test
    void ggufTokenOutsideTheByteLevelAlphabetIsNamed() {
        TokenizerException e = assertThrows(TokenizerException.class,
                () -> Tokenizer.fromGguf(List.of("a", "\u2581b"), List.of(), null, -1, -1));
        assertTrue(e.getMessage().contains("tokenizer.ggml.tokens[1]"), e.getMessage());
    }

    @Test
    void ggufTokenTypesMustMatchTheTokens() {
        TokenizerException e = assertThrows(TokenizerException.class,
                () -> Tokenizer.fromGguf(List.of("a", "b"), List.of(), new int[] {1}, -1, -1));
        assertTrue(e.getMessage().contains("tokenizer.ggml.token_type") && e.getMessage().contains("found 1 entries"), e.getMessage());
    }
}
