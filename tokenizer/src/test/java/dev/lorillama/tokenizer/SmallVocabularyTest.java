package dev.lorillama.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A tiny byte-level BPE tokenizer.json (256 byte tokens, a few merges, specials at odd ids), as other modules' tests use. */
class SmallVocabularyTest {
    static final ObjectMapper JSON = new ObjectMapper();

    /** Byte tokens at id = byte value, then merges "h e" -> 256, "he l" -> 257, "l o" -> 258, "Ġ w" -> 259; specials at 300, 301, 302, 310, 311. */
    static ObjectNode tinyTokenizerJson() {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE");
        model.put("ignore_merges", true);
        ObjectNode vocab = model.putObject("vocab");
        for (int b = 0; b < 256; b++) vocab.put(ByteLevel.encode(new byte[] {(byte) b}), b);
        vocab.put("he", 256);
        vocab.put("hel", 257);
        vocab.put("lo", 258);
        vocab.put("Ġw", 259);
        model.putArray("merges").add("h e").add("he l").add("l o").add("Ġ w");
        ArrayNode added = root.putArray("added_tokens");
        String[] names = {"<|begin_of_text|>", "<|end_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"};
        int[] ids = {300, 301, 302, 310, 311};
        for (int i = 0; i < names.length; i++) added.addObject().put("id", ids[i]).put("content", names[i]).put("special", true);
        root.putObject("pre_tokenizer").put("type", "ByteLevel").put("use_regex", false);
        return root;
    }

    @Test
    void tinyTokenizerJsonEncodesWithItsOwnMergesAndSpecialIds(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("tokenizer.json"), tinyTokenizerJson().toString());
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"bos_token\": \"<|begin_of_text|>\", \"eos_token\": {\"content\": \"<|eot_id|>\"}}");
        Tokenizer t = Tokenizer.load(dir);
        assertEquals(312, t.vocabSize());
        assertEquals(300, t.bosId());
        assertEquals(Set.of(311, 301), t.stopTokenIds());
        // "hello" -> h e l l o -> he l l o -> hel l o -> hel lo; " world" -> Ġw o r l d
        assertArrayEquals(new int[] {257, 258, 259, 'o', 'r', 'l', 'd', 311}, t.encode("hello world<|eot_id|>"));
        assertEquals("hello world<|eot_id|>", t.decode(t.encode("hello world<|eot_id|>")));
        assertEquals("hello world", t.decodeSkippingSpecial(t.encode("<|begin_of_text|>hello world<|eot_id|>")));
        assertEquals("he", t.decodeSkippingSpecial(new int[] {256, 305, 9999})); // undefined ids: skipped too
        int[] chat = new ChatFormat(t).encodeDialogPrompt(List.of(new ChatFormat.Message(Role.USER, "hello")));
        assertEquals(300, chat[0]);
        assertEquals(302, chat[1]);
        assertEquals(310, chat[chat.length - 3]);
    }

    @Test
    void anAddedTokenAlsoListedInTheVocabularyNeedNotBeByteLevelSpelled(@TempDir Path dir) throws IOException {
        ObjectNode json = tinyTokenizerJson();
        ((ObjectNode) json.get("model").get("vocab")).put("<\uFF5Cend\u2581of\u2581sentence\uFF5C>", 312);
        ((ArrayNode) json.get("added_tokens")).addObject().put("id", 312).put("content", "<\uFF5Cend\u2581of\u2581sentence\uFF5C>").put("special", true);
        Files.writeString(dir.resolve("tokenizer.json"), json.toString());
        Tokenizer t = Tokenizer.load(dir);
        assertArrayEquals(new int[] {'x', 312}, t.encode("x<\uFF5Cend\u2581of\u2581sentence\uFF5C>"));
    }

    @Test
    void generationConfigEosIdsAlsoStopGeneration(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("tokenizer.json"), tinyTokenizerJson().toString());
        Files.writeString(dir.resolve("generation_config.json"), "{\"eos_token_id\": [301, 305]}");
        Tokenizer t = Tokenizer.load(dir);
        assertEquals(Set.of(311, 301), t.stopTokenIds()); // 305 is no token: ignored
        assertEquals(300, t.bosId()); // no tokenizer_config.json: <|begin_of_text|> by name
    }

    @Test
    void withoutIgnoreMergesAWholeTokenIsStillReachedOnlyThroughMerges(@TempDir Path dir) throws IOException {
        ObjectNode json = tinyTokenizerJson();
        ObjectNode model = (ObjectNode) json.get("model");
        model.put("ignore_merges", false);
        ((ObjectNode) model.get("vocab")).put("lol", 260); // in the vocabulary, but no merge makes it
        Files.writeString(dir.resolve("tokenizer.json"), json.toString());
        assertArrayEquals(new int[] {258, 'l'}, Tokenizer.load(dir.resolve("tokenizer.json")).encode("lol"));
        model.put("ignore_merges", true);
        Files.writeString(dir.resolve("tokenizer.json"), json.toString());
        assertArrayEquals(new int[] {260}, Tokenizer.load(dir.resolve("tokenizer.json")).encode("lol"));
    }
}
