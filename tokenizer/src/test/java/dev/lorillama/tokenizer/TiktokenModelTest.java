package dev.lorillama.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Meta's tokenizer.model format, written here from the tokenizer.json vocabulary. */
class TiktokenModelTest {
    private final Tokenizer fromJson = Llama3TestData.tokenizer();

    /** Writes "base64(bytes) rank" for every BPE token of the tokenizer.json (ranks = ids in Llama 3). */
    static Path writeTiktokenModel(Tokenizer source, Path file) throws IOException {
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.US_ASCII)) {
            for (int id = 0; id < source.vocabSize(); id++) {
                if (source.isSpecial(id)) continue;
                w.write(Base64.getEncoder().encodeToString(source.bytesOf(id)) + " " + id + "\n");
            }
        }
        return file;
    }

    @Test
    void tokenizerModelEncodesTheCorpusLikeTokenizerJson(@TempDir Path dir) throws IOException {
        writeTiktokenModel(fromJson, dir.resolve("tokenizer.model"));
        Tokenizer fromModel = Tokenizer.load(dir); // a directory without tokenizer.json: falls back to tokenizer.model
        assertEquals(128256, fromModel.vocabSize());
        for (Llama3TestData.Record r : Llama3TestData.corpus()) {
            assertArrayEquals(r.ordinaryIds(), fromModel.encodeOrdinary(r.text()), () -> "record " + r.line());
        }
    }

    @Test
    void tokenizerModelHasTheLlama3SpecialTokensAfterTheRanks(@TempDir Path dir) throws IOException {
        Tokenizer t = Tokenizer.load(writeTiktokenModel(fromJson, dir.resolve("tokenizer.model")));
        assertEquals(128000, t.bosId());
        assertEquals(128000, t.specialTokenId("<|begin_of_text|>").getAsInt());
        assertEquals(128001, t.specialTokenId("<|end_of_text|>").getAsInt());
        assertEquals(128002, t.specialTokenId("<|reserved_special_token_0|>").getAsInt());
        assertEquals(128006, t.specialTokenId("<|start_header_id|>").getAsInt());
        assertEquals(128007, t.specialTokenId("<|end_header_id|>").getAsInt());
        assertEquals(128008, t.specialTokenId("<|eom_id|>").getAsInt());
        assertEquals(128009, t.specialTokenId("<|eot_id|>").getAsInt());
        assertEquals(128010, t.specialTokenId("<|python_tag|>").getAsInt());
        assertEquals(128255, t.specialTokenId("<|reserved_special_token_247|>").getAsInt());
        assertEquals(Set.of(128009, 128001, 128008), t.stopTokenIds());
        assertArrayEquals(new int[] {128000, 128006, 882, 128007, 271, 9906, 128009},
                t.encode("<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHello<|eot_id|>"));
    }
}
