package dev.lorillama.runtime.format.gguf;

import dev.lorillama.runtime.UserInputException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * Reads the little-endian header of a GGUF file front to back, checking every read against the
 * end of the file; errors name the file, the field being read, and its offset.
 */
final class GgufCursor {
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** No key or string of a sane file comes near this; larger values mean a corrupt length. */
    static final long MAX_STRING_BYTES = 1L << 24;

    private final Path path;
    private final MemorySegment file;
    private long position;

    GgufCursor(Path path, MemorySegment file) {
        this.path = path;
        this.file = file;
    }

    long position() {
        return position;
    }

    long remaining() {
        return file.byteSize() - position;
    }

    UserInputException error(String field, String problem) {
        return new UserInputException(path + ": " + field + " (at byte " + position + "): " + problem);
    }

    private long take(long bytes, String field) {
        if (bytes < 0 || bytes > remaining()) {
            throw error(field, "needs " + bytes + " bytes but the file ends after " + remaining());
        }
        long at = position;
        position += bytes;
        return at;
    }

    int u8(String field) {
        return file.get(ValueLayout.JAVA_BYTE, take(1, field)) & 0xFF;
    }

    byte i8(String field) {
        return file.get(ValueLayout.JAVA_BYTE, take(1, field));
    }

    short i16(String field) {
        return file.get(U16, take(2, field));
    }

    int i32(String field) {
        return file.get(U32, take(4, field));
    }

    long u32(String field) {
        return Integer.toUnsignedLong(i32(field));
    }

    long i64(String field) {
        return file.get(U64, take(8, field));
    }

    /** An unsigned 64-bit count or offset; values above 2^63 cannot be real in a file and are rejected. */
    long u64(String field) {
        long v = i64(field);
        if (v < 0) throw error(field, "value " + Long.toUnsignedString(v) + " is out of range");
        return v;
    }

    float f32(String field) {
        return file.get(F32, take(4, field));
    }

    double f64(String field) {
        return file.get(F64, take(8, field));
    }

    /** u64 length + UTF-8 bytes. */
    String string(String field) {
        long length = u64(field + " length");
        if (length > MAX_STRING_BYTES) throw error(field, "string length " + length + " is implausibly large");
        long at = take(length, field);
        byte[] bytes = file.asSlice(at, length).toArray(ValueLayout.JAVA_BYTE);
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            position = at;
            throw error(field, "string is not valid UTF-8");
        }
    }
}
