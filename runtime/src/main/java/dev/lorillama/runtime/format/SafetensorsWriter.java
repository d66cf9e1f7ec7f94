package dev.lorillama.runtime.format;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lorillama.runtime.tensor.DType;
import dev.lorillama.runtime.tensor.RowSource;
import dev.lorillama.runtime.tensor.TensorEncoder;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;

/**
 * Writes a safetensors file, streaming each tensor's bytes (nothing is held whole in memory, so a
 * model larger than memory can be written).
 */
public final class SafetensorsWriter {
    private SafetensorsWriter() {}

    /** Writes one tensor's raw little-endian bytes. */
    @FunctionalInterface
    public interface Bytes {
        void writeTo(FileChannel out) throws IOException;
    }

    public record Entry(String name, DType dtype, long[] shape, Bytes bytes) {
        long byteSize() {
            long n = 1;
            for (long d : shape) n *= d;
            return dtype.byteSize(n);
        }
    }

    public static Entry raw(String name, DType dtype, long[] shape, MemorySegment data) {
        return new Entry(name, dtype, shape, out -> {
            long chunk = 1L << 30; // a ByteBuffer holds at most 2 GiB
            for (long at = 0; at < data.byteSize(); at += chunk) {
                writeFully(out, data.asSlice(at, Math.min(chunk, data.byteSize() - at)).asByteBuffer());
            }
        });
    }

    public static Entry floats(String name, long[] shape, float[] values) {
        return new Entry(name, DType.F32, shape, out -> {
            ByteBuffer buf = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            buf.asFloatBuffer().put(values);
            writeFully(out, buf);
        });
    }

    /** A tensor of a float type whose rows are computed one at a time and encoded as they are written. */
    public static Entry rows(String name, DType dtype, long[] shape, RowSource source) {
        int cols = (int) shape[shape.length - 1];
        long rows = shape.length == 1 ? 1 : shape[0];
        return new Entry(name, dtype, shape, out -> {
            float[] row = new float[cols];
            byte[] encoded = new byte[(int) dtype.byteSize(cols)];
            ByteBuffer chunk = ByteBuffer.allocate(Math.max(encoded.length, 1 << 20));
            for (int r = 0; r < rows; r++) {
                source.row(r, row);
                TensorEncoder.encode(dtype, row, 0, cols, encoded, 0);
                if (chunk.remaining() < encoded.length) {
                    writeFully(out, chunk.flip());
                    chunk.clear();
                }
                chunk.put(encoded);
            }
            writeFully(out, chunk.flip());
        });
    }

    public static Entry booleans(String name, long[] shape, boolean[] values) {
        return new Entry(name, DType.BOOL, shape, out -> {
            ByteBuffer buf = ByteBuffer.allocate(values.length);
            for (boolean v : values) buf.put((byte) (v ? 1 : 0));
            writeFully(out, buf.flip());
        });
    }

    public static void write(Path file, List<Entry> entries, Map<String, String> metadata) throws IOException {
        ObjectMapper json = new ObjectMapper();
        ObjectNode header = json.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode meta = header.putObject("__metadata__");
            metadata.forEach(meta::put);
        }
        long offset = 0;
        for (Entry e : entries) {
            ObjectNode t = header.putObject(e.name());
            t.put("dtype", e.dtype().safetensorsName());
            var shape = t.putArray("shape");
            for (long d : e.shape()) shape.add(d);
            var offsets = t.putArray("data_offsets");
            offsets.add(offset);
            offset += e.byteSize();
            offsets.add(offset);
        }
        byte[] headerBytes = json.writeValueAsString(header).getBytes(StandardCharsets.UTF_8);
        int padded = (headerBytes.length + 7) / 8 * 8; // keep tensor data 8-byte aligned
        ByteBuffer prefix = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        prefix.putLong(padded).put(headerBytes);
        while (prefix.hasRemaining()) prefix.put((byte) ' ');
        try (FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            writeFully(out, prefix.flip());
            for (Entry e : entries) {
                long before = out.position();
                e.bytes().writeTo(out);
                if (out.position() - before != e.byteSize()) {
                    throw new IllegalStateException(e.name() + ": wrote " + (out.position() - before) + " bytes, expected " + e.byteSize());
                }
            }
        }
    }

    private static void writeFully(FileChannel out, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) out.write(buf);
    }
}
