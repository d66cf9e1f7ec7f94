package dev.lorillama.tokenizer;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Unusable tokenizer files fail with a message naming the file, the field, what was expected and what was found. */
class TokenizerFileErrorsTest {
    @TempDir Path dir;

    private TokenizerException loadFails(Path file) {
        TokenizerException e = assertThrows(TokenizerException.class, () -> Tokenizer.load(file));
        assertTrue(e.getMessage().contains(file.toString()), "names the file: " + e.getMessage());
        return e;
    }

    private Path tinyJsonWith(Consumer<ObjectNode> change) throws IOException {
        ObjectNode json = SmallVocabularyTest.tinyTokenizerJson();
        change.accept(json);
        return Files.writeString(dir.resolve("tokenizer.json"), json.toString());
    }

    private static void assertMentions(TokenizerException e, String... words) {
        for (String w : words) assertTrue(e.getMessage().contains(w), "mentions '" + w + "': " + e.getMessage());
    }

    @Test
    void nonBpeModelTypeIsRefusedByName() throws IOException {
        Path file = tinyJsonWith(j -> ((ObjectNode) j.get("model")).put("type", "Unigram"));
        assertMentions(loadFails(file), "model.type", "BPE", "Unigram");
    }

    @Test
    void sentencePieceStyleByteFallbackIsRefused() throws IOException {
        Path file = tinyJsonWith(j -> ((ObjectNode) j.get("model")).put("byte_fallback", true));
        assertMentions(loadFails(file), "model.byte_fallback", "Llama 2");
    }

    @Test
    void anotherSplitRegexIsRefused() throws IOException {
        String qwen = Llama3PreTokenizer.PATTERN.replace("\\p{N}{1,3}", "\\p{N}");
        Path file = tinyJsonWith(j -> j.putObject("pre_tokenizer").put("type", "Split").putObject("pattern").put("Regex", qwen));
        assertMentions(loadFails(file), "pre_tokenizer (Split).pattern", "expected the Llama 3 split regex", qwen);
    }

    @Test
    void aNormalizerIsRefused() throws IOException {
        Path file = tinyJsonWith(j -> j.putObject("normalizer").put("type", "NFC"));
        assertMentions(loadFails(file), "normalizer", "NFC");
    }

    @Test
    void aMergeOfUnknownTokensNamesItsIndex() throws IOException {
        Path file = tinyJsonWith(j -> ((com.fasterxml.jackson.databind.node.ArrayNode) j.get("model").get("merges")).add("zz q"));
        assertMentions(loadFails(file), "model.merges[4]", "zz");
    }

    @Test
    void invalidJsonIsReported() throws IOException {
        Path file = Files.writeString(dir.resolve("tokenizer.json"), "{\"model\": ");
        assertMentions(loadFails(file), "not valid JSON");
    }

    @Test
    void sentencePieceModelFileIsRefused() throws IOException {
        Path file = Files.write(dir.resolve("tokenizer.model"), new byte[] {0x0a, 0x0b, 0x0a, 0x05, '<', 'u', 'n', 'k', '>', 0x15, 0, 0, 0, 0, 0x18, 0x02});
        assertMentions(loadFails(file), "content", "base64-token rank", "binary data", "SentencePiece");
    }

    @Test
    void malformedTiktokenLineIsNamed() throws IOException {
        Path file = Files.writeString(dir.resolve("tokenizer.model"), "IQ== 0\nIg== one\n");
        assertMentions(loadFails(file), "line 2", "'Ig== one'");
    }

    @Test
    void aGgufFileIsPointedToTheModelLoader() throws IOException {
        Path file = Files.write(dir.resolve("model.gguf"), new byte[] {'G', 'G', 'U', 'F', 3, 0, 0, 0});
        assertMentions(loadFails(file), "GGUF");
    }

    @Test
    void aDirectoryWithoutTokenizerFilesIsReported() {
        assertMentions(loadFails(dir), "no tokenizer.json or tokenizer.model");
    }

    @Test
    void chatFormatNeedsTheLlama3ChatTokens() throws IOException {
        Path file = tinyJsonWith(j -> ((com.fasterxml.jackson.databind.node.ArrayNode) j.get("added_tokens")).remove(4));
        Tokenizer t = Tokenizer.load(file);
        TokenizerException e = assertThrows(TokenizerException.class, () -> new ChatFormat(t));
        assertMentions(e, "<|eot_id|>", file.toString());
    }

    @Test
    void tokenizerErrorsAreIllegalArgumentsSoTheCliPrintsThemCleanly() {
        assertTrue(IllegalArgumentException.class.isAssignableFrom(TokenizerException.class));
    }
}
