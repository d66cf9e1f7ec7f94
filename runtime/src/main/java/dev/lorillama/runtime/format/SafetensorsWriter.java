package dev.lorillama.runtime.format;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lorillama.runtime.format.gguf.GgufWriter;
import dev.lorillama.runtime.tensor.DType;
import dev.lorillama.runtime.tensor.TensorEncoder;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes a safetensors file (F32/F16/BF16), streaming each tensor row by row so that a model
 * larger than memory can be written (tools that make random-weight models for benchmarks).
 */
public final class SafetensorsWriter {
    private record Tensor(String name, DType type, long[] shape, int rows, int cols, GgufWriter.RowSource source) {}

    private final List<Tensor> tensors = new ArrayList<>();

    /** A tensor of {@code shape} (1-D or 2-D), delivered as {@code rows} rows of {@code cols}. */
    public SafetensorsWriter add(String name, DType type, long[] shape, GgufWriter.RowSource source) {
        if (type.isBlockQuantized()) throw new IllegalArgumentException("safetensors cannot hold " + type);
        int cols = (int) shape[shape.length - 1];
        int rows = shape.length == 1 ? 1 : (int) shape[0];
        tensors.add(new Tensor(name, type, shape.clone(), rows, cols, source));
        return this;
    }

    public void write(Path out) throws IOException {
        ObjectNode header = new ObjectMapper().createObjectNode();
        header.putObject("__metadata__").put("format", "pt");
        long offset = 0;
        for (Tensor t : tensors) {
            long bytes = t.type().byteSize((long) t.rows() * t.cols());
            ObjectNode info = header.putObject(t.name());
            info.put("dtype", t.type().name());
            var shape = info.putArray("shape");
            for (long d : t.shape()) shape.add(d);
            info.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
        }
        byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8; // data aligned to 8 bytes, padding with spaces
        try (FileChannel channel = FileChannel.open(out, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer head = ByteBuffer.allocate(8 + padded).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            head.putLong(padded).put(json);
            while (head.hasRemaining()) head.put((byte) ' ');
            head.flip();
            while (head.hasRemaining()) channel.write(head);
            for (Tensor t : tensors) {
                float[] row = new float[t.cols()];
                byte[] encoded = new byte[(int) t.type().byteSize(t.cols())];
                ByteBuffer chunk = ByteBuffer.allocate(Math.max(encoded.length, 1 << 20));
                for (int r = 0; r < t.rows(); r++) {
                    t.source().row(r, row);
                    TensorEncoder.encode(t.type(), row, 0, row.length, encoded, 0);
                    if (chunk.remaining() < encoded.length) {
                        chunk.flip();
                        while (chunk.hasRemaining()) channel.write(chunk);
                        chunk.clear();
                    }
                    chunk.put(encoded);
                }
                chunk.flip();
                while (chunk.hasRemaining()) channel.write(chunk);
            }
        }
    }
}
