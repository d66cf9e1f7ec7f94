package dev.lorillama.runtime.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lorillama.runtime.UserInputException;
import dev.lorillama.runtime.tensor.DType;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every field of a safetensors file is validated, and errors name the file and the tensor. */
class SafetensorsFileTest {
    @TempDir
    Path tmp;

    private Path file(String header, int dataBytes) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        Path p = tmp.resolve("t.safetensors");
        Files.write(p, b.array());
        return p;
    }

    private String error(Path p) {
        try (Arena arena = Arena.ofConfined()) {
            return assertThrows(UserInputException.class, () -> SafetensorsFile.open(p, arena)).getMessage();
        }
    }

    @Test
    void writerAndReaderRoundTrip() throws IOException {
        Path p = tmp.resolve("rt.safetensors");
        SafetensorsWriter.write(p, List.of(
                SafetensorsWriter.floats("a", new long[] {2, 3}, new float[] {1, 2, 3, 4, 5, 6}),
                SafetensorsWriter.booleans("m", new long[] {3}, new boolean[] {true, false, true})), Map.of("format", "pt"));
        try (Arena arena = Arena.ofConfined()) {
            SafetensorsFile f = SafetensorsFile.open(p, arena);
            assertEquals("pt", f.metadata().get("format"));
            TensorData a = f.tensors().get("a");
            assertEquals(DType.F32, a.dtype());
            assertArrayEquals(new long[] {2, 3}, a.shape());
            assertEquals(6f, a.bytes().get(java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED, 20));
            assertEquals(DType.BOOL, f.tensors().get("m").dtype());
            for (TensorData t : f.tensors().values()) TensorBytes.assertLieAtFileOffset(p, t);
        }
    }

    @Test
    void tooShortFileIsRefused() throws IOException {
        Path p = tmp.resolve("short.safetensors");
        Files.write(p, new byte[3]);
        assertTrue(error(p).contains("too short"));
    }

    @Test
    void headerLengthBeyondFileIsRefused() throws IOException {
        Path p = tmp.resolve("long.safetensors");
        Files.write(p, ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(1000).array());
        assertTrue(error(p).contains("header length 1000"));
    }

    @Test
    void invalidJsonIsRefused() throws IOException {
        assertTrue(error(file("{not json", 0)).contains("not valid JSON"));
    }

    @Test
    void unsupportedDtypeNamesTensorAndType() throws IOException {
        String msg = error(file("{\"w\":{\"dtype\":\"I8\",\"shape\":[2],\"data_offsets\":[0,2]}}", 2));
        assertTrue(msg.contains("\"w\"") && msg.contains("I8"), msg);
    }

    @Test
    void offsetsOutsideDataAreRefused() throws IOException {
        String msg = error(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 8));
        assertTrue(msg.contains("outside the data section"), msg);
    }

    @Test
    void offsetsThatDisagreeWithShapeAreRefused() throws IOException {
        String msg = error(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8));
        assertTrue(msg.contains("needs 12"), msg);
    }

    @Test
    void missingFieldIsNamed() throws IOException {
        assertTrue(error(file("{\"w\":{\"shape\":[1],\"data_offsets\":[0,4]}}", 4)).contains("missing field dtype"));
    }

    @Test
    void missingFileIsNamed() {
        assertTrue(error(tmp.resolve("nope.safetensors")).contains("nope.safetensors"));
    }
}
