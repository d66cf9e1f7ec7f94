package dev.lorillama.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lorillama.runtime.format.SafetensorsFile;
import dev.lorillama.runtime.format.TensorData;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A model whose weights hold NaN: {@code check} names the tensor, and generation stops with a
 * clear error instead of printing whatever token a NaN argmax lands on.
 */
class NonFiniteWeightsTest {
    @TempDir
    static Path dir;
    static Path poisoned;

    /** The chat fixture with its final norm all NaN (every logit becomes NaN) and one infinity in layer 0's q_proj. */
    @BeforeAll
    static void poison() throws IOException {
        poisoned = Files.createDirectories(dir.resolve("poisoned"));
        try (var files = Files.list(ChatFixture.MODEL)) {
            for (Path f : files.toList()) Files.copy(f, poisoned.resolve(f.getFileName()));
        }
        Path weights = poisoned.resolve("model.safetensors");
        TensorData norm, q;
        try (Arena arena = Arena.ofConfined()) {
            SafetensorsFile file = SafetensorsFile.open(weights, arena);
            norm = file.tensors().get("model.norm.weight");
            q = file.tensors().get("model.layers.0.self_attn.q_proj.weight");
        }
        try (FileChannel channel = FileChannel.open(weights, StandardOpenOption.WRITE)) {
            ByteBuffer nans = ByteBuffer.allocate((int) norm.bytes().byteSize()).order(ByteOrder.LITTLE_ENDIAN);
            while (nans.hasRemaining()) nans.putFloat(Float.NaN);
            channel.write(nans.flip(), norm.fileOffset());
            assertEquals("F32", q.dtype().toString());
            channel.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(Float.POSITIVE_INFINITY).flip(), q.fileOffset() + 4 * 5);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void checkNamesEachTensorHoldingNaNOrInfinity() {
        CliRunner.Result r = CliRunner.run("check", "--model", poisoned.toString());
        assertEquals(2, r.exitCode(), r.err());
        assertTrue(r.out().contains("model.norm.weight: 64 NaN, 0 infinite (first at row 0, column 0)"), r.out());
        assertTrue(r.out().contains("model.layers.0.self_attn.q_proj.weight: 0 NaN, 1 infinite (first at row 0, column 5)"), r.out());
        assertTrue(r.err().contains("2 tensors hold NaN or infinite values"), r.err());
        CliRunner.Result clean = CliRunner.run("check", "--model", ChatFixture.MODEL.toString());
        assertEquals(0, clean.exitCode(), clean.err());
        assertTrue(clean.out().contains(": all finite"), clean.out());
    }

    @Test
    void generationFromNaNLogitsStopsWithAClearErrorNotGarbage() {
        for (String temperature : new String[] {"0", "0.8"}) {
            CliRunner.Result r = CliRunner.run("--model", poisoned.toString(), "--prompt", "Hello", "--temperature", temperature,
                    "--max-tokens", "4", "--threads", "1");
            assertEquals(2, r.exitCode(), r.out() + r.err());
            assertTrue(r.err().contains("error: the model computed NaN (not-a-number) logits"), r.err());
            assertFalse(r.err().contains("Exception"), r.err());
        }
    }
}
