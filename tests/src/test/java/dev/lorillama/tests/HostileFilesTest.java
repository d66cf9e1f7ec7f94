package dev.lorillama.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lorillama.lori.LoraConfig;
import dev.lorillama.runtime.UserInputException;
import dev.lorillama.runtime.format.HfCheckpoint;
import dev.lorillama.runtime.format.SafetensorsFile;
import dev.lorillama.runtime.format.gguf.GgufFile;
import dev.lorillama.runtime.model.GenerationConfig;
import dev.lorillama.runtime.model.LlamaConfig;
import dev.lorillama.tokenizer.Tokenizer;
import dev.lorillama.tokenizer.TokenizerException;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crafted bad files, one rule each: every parser checks sizes, offsets, counts and names against
 * the file before it maps or allocates anything, and says which file and what is wrong.
 */
class HostileFilesTest {
    @TempDir
    Path dir;

    // ---- safetensors ----

    @Test
    void safetensorsTensorsSharingBytesAreRefused() throws Exception {
        Path file = safetensors("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12);
        refused(() -> SafetensorsFile.open(file, Arena.ofAuto()), file + ": tensors \"a\" [0, 8) and \"b\" [4, 12) overlap");
    }

    @Test
    void safetensorsShapeWhoseElementCountOverflowsIsRefused() throws Exception {
        Path file = safetensors("{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,8]}}", 8);
        refused(() -> SafetensorsFile.open(file, Arena.ofAuto()), "has more elements than any file can hold");
    }

    @Test
    void safetensorsTensorNamedTwiceIsRefused() throws Exception {
        Path file = safetensors("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8);
        refused(() -> SafetensorsFile.open(file, Arena.ofAuto()), "Duplicate field 'a'");
    }

    @Test
    void safetensorsOffsetsThatAreNotWholeNumbersAreRefused() throws Exception {
        Path file = safetensors("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0.5,4.5]}}", 8);
        refused(() -> SafetensorsFile.open(file, Arena.ofAuto()), "data_offsets must be [begin, end], two non-negative integers");
    }

    @Test
    void shardIndexMustSayWhereEachTensorIs() throws Exception {
        Path checkpoint = Files.createDirectories(dir.resolve("sharded"));
        Files.copy(ChatFixture.MODEL.resolve("config.json"), checkpoint.resolve("config.json"));
        Files.copy(ChatFixture.MODEL.resolve("model.safetensors"), checkpoint.resolve("model-1.safetensors"));
        Files.writeString(checkpoint.resolve("model.safetensors.index.json"), "{\"weight_map\": {\"lm_head.weight\": \"model-1.safetensors\"}}");
        refused(() -> HfCheckpoint.open(checkpoint), "weight_map does not list tensor");
        Files.writeString(checkpoint.resolve("model.safetensors.index.json"), "{\"weight_map\": {\"lm_head.weight\": 1}}");
        refused(() -> HfCheckpoint.open(checkpoint), "weight_map values must be shard file names, found 1");
    }

    // ---- GGUF ----

    @Test
    void ggufTensorsOutOfOrderOrOverlappingAreRefused() throws Exception {
        Path file = gguf(new long[] {32, 0}); // b's info comes second but its data lies first
        refused(() -> GgufFile.open(file), "tensors \"a\" [32, 64) and \"b\" [0, 32) overlap or are out of order");
        Path ok = gguf(new long[] {0, 32});
        try (GgufFile g = GgufFile.open(ok)) {
            assertEquals(2, g.tensors().size());
        }
    }

    @Test
    void ggufArrayCountLargerThanTheFileIsRefusedBeforeAllocating() throws Exception {
        Gguf g = new Gguf(0, 1);
        g.string("big").u32(9).u32(4).u64(1L << 40); // an array of 2^40 uint32
        Path file = Files.write(dir.resolve("big.gguf"), g.bytes());
        refused(() -> GgufFile.open(file), "big count");
    }

    // ---- JSON files: one strict reader ----

    @Test
    void configJsonWithAKeyTwiceOrImpossibleSizesIsRefused() throws Exception {
        String config = Files.readString(ChatFixture.MODEL.resolve("config.json"));
        Path twice = Files.writeString(dir.resolve("config.json"), config.replaceFirst("\\{", "{\"hidden_size\": 8, "));
        refused(() -> LlamaConfig.fromHfConfig(twice), "Duplicate field 'hidden_size'");
        Path eps = Files.writeString(dir.resolve("eps.json"), config.replaceFirst("\"rms_norm_eps\": [^,}]+", "\"rms_norm_eps\": -1"));
        refused(() -> LlamaConfig.fromHfConfig(eps), "rms_norm_eps must be a positive number");
        Path huge = Files.writeString(dir.resolve("huge.json"), config.replaceFirst("\"vocab_size\": \\d+", "\"vocab_size\": 2000000000"));
        refused(() -> LlamaConfig.fromHfConfig(huge), "sizes too large");
    }

    @Test
    void generationConfigEosMustBeTokenIds() throws Exception {
        Path file = Files.writeString(dir.resolve("generation_config.json"), "{\"eos_token_id\": [128001, \"x\"]}");
        refused(() -> GenerationConfig.eosTokenIds(file), file + ": eos_token_id holds \"x\", not a token id");
        Path ok = Files.writeString(dir.resolve("ok.json"), "{\"eos_token_id\": [128001, 128009]}");
        assertEquals(List.of(128001, 128009), GenerationConfig.eosTokenIds(ok));
    }

    @Test
    void adapterConfigWithAKeyTwiceIsRefused() throws Exception {
        Path file = Files.writeString(dir.resolve("adapter_config.json"), "{\"r\": 8, \"r\": 16, \"lora_alpha\": 16}");
        refused(() -> LoraConfig.read(file), "Duplicate field 'r'");
    }

    @Test
    void tokenizerJsonErrorsNameTheFileWithoutJacksonsText() throws Exception {
        Path file = Files.writeString(dir.resolve("tokenizer.json"), "{\"model\": {\"type\": \"BPE\",\n \"vocab\": }");
        TokenizerException e = assertThrows(TokenizerException.class, () -> Tokenizer.load(file));
        assertTrue(e.getMessage().startsWith(file + ": line 2, column 11: not valid JSON"), e.getMessage());
        assertFalse(e.getMessage().contains("Source"), e.getMessage());
    }

    @Test
    void tiktokenRankFarBeyondTheFileIsRefusedNotAllocated() throws Exception {
        Path file = Files.writeString(dir.resolve("tokenizer.model"), "IQ== 0\nIg== 2000000000\n");
        TokenizerException e = assertThrows(TokenizerException.class, () -> Tokenizer.load(file));
        assertTrue(e.getMessage().contains("line 2"), e.getMessage());
    }

    @Test
    void tiktokenVocabularyWithoutATokenForEveryByteIsRefusedWhenLoadedNotWhenEncoding() throws Exception {
        // found by TiktokenModelFuzzTest: the file loaded, and encoding a "!" then failed with an IllegalStateException
        StringBuilder ranks = new StringBuilder();
        for (int b = 0; b < 256; b++) if (b != '!') ranks.append(java.util.Base64.getEncoder().encodeToString(new byte[] {(byte) b})).append(' ').append(b - (b > '!' ? 1 : 0)).append('\n');
        Path file = Files.writeString(dir.resolve("no-bang.model"), ranks);
        TokenizerException e = assertThrows(TokenizerException.class, () -> Tokenizer.load(file));
        assertEquals(file + ": no token for the byte 0x21 (a byte-level BPE vocabulary has one for each of the 256 bytes)", e.getMessage());
    }

    // ---- helpers ----

    private static void refused(Executable parse, String expected) {
        UserInputException e = assertThrows(UserInputException.class, parse);
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertFalse(e.getMessage().contains("Source: "), e.getMessage());
    }

    private Path safetensors(String header, int dataBytes) throws Exception {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        return Files.write(dir.resolve("t" + header.hashCode() + ".safetensors"), b.array());
    }

    /** A GGUF file with two F32 tensors of 8 elements, "a" then "b", at these data offsets. */
    private Path gguf(long[] offsets) throws Exception {
        Gguf g = new Gguf(2, 0);
        for (int t = 0; t < 2; t++) g.string(t == 0 ? "a" : "b").u32(1).u64(8).u32(0).u64(offsets[t]);
        g.pad(32);
        g.raw(new byte[64]);
        return Files.write(dir.resolve("t" + offsets[0] + ".gguf"), g.bytes());
    }

    /** Little-endian GGUF v3 bytes, written field by field. */
    private static final class Gguf {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Gguf(long tensors, long keys) {
            raw("GGUF".getBytes(StandardCharsets.US_ASCII));
            u32(3).u64(tensors).u64(keys);
        }

        Gguf u32(long v) {
            return raw(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) v).array());
        }

        Gguf u64(long v) {
            return raw(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array());
        }

        Gguf string(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            return u64(b.length).raw(b);
        }

        Gguf pad(int alignment) {
            while (out.size() % alignment != 0) out.write(0);
            return this;
        }

        Gguf raw(byte[] b) {
            out.writeBytes(b);
            return this;
        }

        byte[] bytes() {
            return out.toByteArray();
        }
    }
}
