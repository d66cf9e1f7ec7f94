package dev.lorillama.runtime.format.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lorillama.runtime.UserInputException;
import dev.lorillama.runtime.format.TensorData;
import dev.lorillama.runtime.tensor.DType;
import dev.lorillama.runtime.tensor.WeightMatrices;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.io.TempDir;

/** The reader gets back what the writer wrote, and rejects every malformed field by name. */
class GgufFileTest {
    private static final String TENSOR = "blk.0.attn_q.weight";

    @TempDir
    Path dir;

    private byte[] validFile() throws Exception {
        Path file = dir.resolve("valid.gguf");
        float[] values = new float[3 * 32];
        for (int i = 0; i < values.length; i++) values[i] = i * 0.5f;
        new GgufWriter()
                .putString("general.architecture", "llama")
                .putUInt32("llama.block_count", 7)
                .putFloat32("llama.rope.freq_base", 500000f)
                .putBool("tokenizer.ggml.add_bos_token", true)
                .putStrings("tokenizer.ggml.tokens", List.of("a", "b", "ü"))
                .putInt32s("tokenizer.ggml.token_type", new int[] {1, 3, 1})
                .putStrings("tokenizer.ggml.merges", List.of("a b"))
                .putUInt32("tokenizer.ggml.bos_token_id", 1)
                .addMatrix(TENSOR, DType.F32, 3, 32, (r, dst) -> System.arraycopy(values, r * 32, dst, 0, 32))
                .addVector("output_norm.weight", new float[] {1, 2, 3})
                .write(file);
        return Files.readAllBytes(file);
    }

    @Test
    void readsBackMetadataTensorsAndTokenizer() throws Exception {
        Path file = dir.resolve("copy.gguf");
        Files.write(file, validFile());
        try (GgufFile gguf = GgufFile.open(file)) {
            assertEquals(3, gguf.version());
            GgufMetadata m = gguf.metadata();
            assertEquals("llama", m.requireString("general.architecture"));
            assertEquals(7, m.requireInt("llama.block_count", 1, 100));
            assertEquals(500000.0, m.requireDouble("llama.rope.freq_base"));
            assertEquals(32, m.requireLong("general.alignment"));
            TensorData q = gguf.require(TENSOR);
            assertArrayEquals(new long[] {3, 32}, q.shape());
            for (TensorData t : gguf.tensors().values()) dev.lorillama.runtime.format.TensorBytes.assertLieAtFileOffset(file, t);
            assertEquals(DType.F32, q.dtype());
            assertEquals(0, q.bytes().address() % 32, "tensor data is aligned");
            assertEquals(2 * 32 + 5 + 0.0, WeightMatrices.of(q).get(2, 5) * 2, 1e-6);
            assertArrayEquals(new float[] {1, 2, 3}, WeightMatrices.vector(gguf.require("output_norm.weight"), 3));
            GgufTokenizerData tok = GgufTokenizerData.of(gguf).orElseThrow();
            assertEquals(List.of("a", "b", "ü"), tok.tokens());
            assertArrayEquals(new int[] {1, 3, 1}, tok.tokenTypes());
            assertEquals(List.of("a b"), tok.merges());
            assertEquals(1, tok.bosId());
            assertEquals(-1, tok.eosId());
        }
        assertEquals(List.of("a", "b", "ü"), GgufTokenizerData.read(file).orElseThrow().tokens());
    }

    @Test
    void rejectsWrongMagicAndVersion() throws Exception {
        byte[] bad = validFile();
        bad[0] = 'X';
        assertError(bad, "not a GGUF file");
        bad = validFile();
        bad[4] = 1;
        assertError(bad, "GGUF version 1 is not supported");
    }

    @Test
    void everyTruncationIsAClearError() throws Exception {
        byte[] valid = validFile();
        // The file ends with the 12 bytes of output_norm and 20 bytes of alignment padding.
        int endOfData = valid.length - 20;
        for (int length = 0; length < endOfData; length += length < 600 ? 1 : 64) {
            byte[] cut = java.util.Arrays.copyOf(valid, length);
            Path file = dir.resolve("cut.gguf");
            Files.write(file, cut);
            UserInputException e = assertThrows(UserInputException.class, () -> GgufFile.open(file).close(), "length " + length);
            assertTrue(e.getMessage().contains(file.toString()) || e.getMessage().contains("cut.gguf"), e.getMessage());
        }
    }

    /** The types llama-quantize makes that we do not run (IQ1/IQ2/IQ3, ternary) are refused by name, with the tensor. */
    @ParameterizedTest(name = "{1}")
    @CsvSource({"16, IQ2_XXS", "17, IQ2_XS", "18, IQ3_XXS", "19, IQ1_S", "21, IQ3_S", "22, IQ2_S", "29, IQ1_M",
            "34, TQ1_0", "35, TQ2_0", "15, Q8_K", "99, unknown"})
    void rejectsUnsupportedTypeNamingTheTensor(int id, String name) throws Exception {
        byte[] bad = validFile();
        putU32(bad, typeOffset(bad), id);
        UserInputException e = assertError(bad, "unsupported tensor type " + name + " (ggml type " + id);
        assertTrue(e.getMessage().contains(TENSOR), e.getMessage());
        assertTrue(e.getMessage().contains("Q5_K") && e.getMessage().contains("IQ4_XS"), "lists what is supported: " + e.getMessage());
    }

    @Test
    void rejectsRowsThatAreNotWholeBlocks() throws Exception {
        byte[] bad = validFile();
        putU32(bad, typeOffset(bad), 12); // Q4_K: 32 columns are not a 256-block
        assertError(bad, "row length 32 is not a multiple of the Q4_K block size 256");
    }

    @Test
    void rejectsBadOffsetsAndDimensions() throws Exception {
        byte[] bad = validFile();
        putU64(bad, typeOffset(bad) + 4, 4);
        assertError(bad, "data offset 4 is not a multiple of the alignment 32");
        bad = validFile();
        putU64(bad, typeOffset(bad) + 4, 1L << 40);
        assertError(bad, "lies outside the data section");
        bad = validFile();
        putU64(bad, typeOffset(bad) - 8, 0);
        assertError(bad, "dimension is 0");
        bad = validFile();
        putU64(bad, typeOffset(bad) - 8, Long.MAX_VALUE / 2);
        assertError(bad, "overflows");
        bad = validFile();
        putU32(bad, typeOffset(bad) - 20, 9);
        assertError(bad, "n_dims");
    }

    @Test
    void rejectsImplausibleCounts() throws Exception {
        byte[] bad = validFile();
        putU64(bad, 8, 1L << 40);
        assertError(bad, "tensor_count");
        bad = validFile();
        putU64(bad, 16, 1L << 40);
        assertError(bad, "metadata_kv_count");
    }

    private UserInputException assertError(byte[] content, String expected) throws Exception {
        Path file = dir.resolve("bad.gguf");
        Files.write(file, content);
        UserInputException e = assertThrows(UserInputException.class, () -> GgufFile.open(file).close());
        assertTrue(e.getMessage().contains(expected), "message \"" + e.getMessage() + "\" lacks \"" + expected + "\"");
        assertTrue(e.getMessage().contains("bad.gguf"), e.getMessage());
        return e;
    }

    /** Offset of the type field of TENSOR's info: name, n_dims (4), ne[0..1] (16), then type. */
    private static int typeOffset(byte[] file) {
        byte[] name = TENSOR.getBytes(StandardCharsets.UTF_8);
        outer:
        for (int i = file.length - name.length; i >= 0; i--) {
            for (int j = 0; j < name.length; j++) if (file[i + j] != name[j]) continue outer;
            return i + name.length + 4 + 16;
        }
        throw new AssertionError("tensor name not found");
    }

    private static void putU32(byte[] b, int at, int v) {
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(at, v);
    }

    private static void putU64(byte[] b, int at, long v) {
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(at, v);
    }
}
