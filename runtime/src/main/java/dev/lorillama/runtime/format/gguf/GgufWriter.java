package dev.lorillama.runtime.format.gguf;

import dev.lorillama.runtime.tensor.DType;
import dev.lorillama.runtime.tensor.RowSource;
import dev.lorillama.runtime.tensor.TensorEncoder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes a GGUF v3 file: metadata and tensor infos first, then each tensor's data at an offset
 * aligned to {@code general.alignment} (written explicitly, 32). Tensors are encoded row by row
 * as they are written, so a model larger than memory streams through.
 */
public final class GgufWriter {
    /** Either {@code source} rows to encode, or {@code encoded} bytes already in {@code type}. */
    private record Tensor(String name, DType type, int rows, int cols, boolean vector, RowSource source, byte[] encoded) {
        long bytes() {
            return type.byteSize((long) rows * cols);
        }
    }

    private final int alignment = GgufFile.DEFAULT_ALIGNMENT;
    private final LittleEndianBuffer metadata = new LittleEndianBuffer();
    private int metadataCount;
    private final List<Tensor> tensors = new ArrayList<>();

    public GgufWriter() {
        putUInt32("general.alignment", alignment);
    }

    public GgufWriter putString(String key, String value) {
        key(key, GgufValueType.STRING);
        metadata.string(value);
        return this;
    }

    public GgufWriter putUInt32(String key, long value) {
        key(key, GgufValueType.UINT32);
        metadata.i32((int) value);
        return this;
    }

    public GgufWriter putFloat32(String key, float value) {
        key(key, GgufValueType.FLOAT32);
        metadata.i32(Float.floatToRawIntBits(value));
        return this;
    }

    public GgufWriter putBool(String key, boolean value) {
        key(key, GgufValueType.BOOL);
        metadata.bytes(new byte[] {(byte) (value ? 1 : 0)});
        return this;
    }

    public GgufWriter putStrings(String key, List<String> values) {
        key(key, GgufValueType.ARRAY);
        metadata.i32(GgufValueType.STRING.ordinal());
        metadata.i64(values.size());
        for (String v : values) metadata.string(v);
        return this;
    }

    public GgufWriter putInt32s(String key, int[] values) {
        key(key, GgufValueType.ARRAY);
        metadata.i32(GgufValueType.INT32.ordinal());
        metadata.i64(values.length);
        for (int v : values) metadata.i32(v);
        return this;
    }

    private void key(String key, GgufValueType type) {
        metadata.string(key);
        metadata.i32(type.ordinal());
        metadataCount++;
    }

    /** A {@code rows × cols} matrix stored as {@code type}. */
    public GgufWriter addMatrix(String name, DType type, int rows, int cols, RowSource source) {
        tensors.add(new Tensor(name, type, rows, cols, false, source, null));
        return this;
    }

    /** A {@code rows × cols} matrix whose bytes are already encoded as {@code type} (any readable type, K-quants too). */
    public GgufWriter addEncodedMatrix(String name, DType type, int rows, int cols, byte[] encoded) {
        if (encoded.length != type.byteSize((long) rows * cols)) {
            throw new IllegalArgumentException(name + ": " + encoded.length + " bytes for " + rows + "x" + cols + " " + type);
        }
        tensors.add(new Tensor(name, type, rows, cols, false, null, encoded.clone()));
        return this;
    }

    /** A 1-D tensor (norm weights, rope factors), stored as F32 like llama.cpp's converter does. */
    public GgufWriter addVector(String name, float[] values) {
        float[] copy = values.clone();
        tensors.add(new Tensor(name, DType.F32, 1, copy.length, true,
                (r, dst) -> System.arraycopy(copy, 0, dst, 0, copy.length), null));
        return this;
    }

    public void write(Path out) throws IOException {
        LittleEndianBuffer header = new LittleEndianBuffer();
        header.i32(GgufFile.MAGIC);
        header.i32(3);
        header.i64(tensors.size());
        header.i64(metadataCount);
        header.bytes(metadata.toByteArray());
        long offset = 0;
        for (Tensor t : tensors) {
            header.string(t.name());
            if (t.vector()) {
                header.i32(1);
                header.i64(t.cols());
            } else {
                header.i32(2);
                header.i64(t.cols()); // ne0: the fastest-moving dimension first
                header.i64(t.rows());
            }
            header.i32(t.type().ggmlType());
            header.i64(offset);
            offset = align(offset + t.bytes());
        }
        try (FileChannel channel = FileChannel.open(out, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            byte[] headerBytes = header.toByteArray();
            writeFully(channel, ByteBuffer.wrap(headerBytes));
            writeFully(channel, ByteBuffer.allocate((int) (align(headerBytes.length) - headerBytes.length)));
            for (Tensor t : tensors) {
                if (t.encoded() != null) {
                    writeFully(channel, ByteBuffer.wrap(t.encoded()));
                    writeFully(channel, ByteBuffer.allocate((int) (align(t.bytes()) - t.bytes())));
                    continue;
                }
                float[] row = new float[t.cols()];
                byte[] encoded = new byte[(int) t.type().byteSize(t.cols())];
                ByteBuffer chunk = ByteBuffer.allocate(Math.max(encoded.length, 1 << 20));
                for (int r = 0; r < t.rows(); r++) {
                    t.source().row(r, row);
                    TensorEncoder.encode(t.type(), row, 0, row.length, encoded, 0);
                    if (chunk.remaining() < encoded.length) {
                        chunk.flip();
                        writeFully(channel, chunk);
                        chunk.clear();
                    }
                    chunk.put(encoded);
                }
                chunk.flip();
                writeFully(channel, chunk);
                writeFully(channel, ByteBuffer.allocate((int) (align(t.bytes()) - t.bytes())));
            }
        }
    }

    private long align(long n) {
        return (n + alignment - 1) / alignment * alignment;
    }

    private static void writeFully(FileChannel channel, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) channel.write(buffer);
    }

    /** Little-endian primitives and GGUF strings (u64 length + UTF-8). */
    private static final class LittleEndianBuffer extends ByteArrayOutputStream {
        void i32(int v) {
            for (int i = 0; i < 4; i++) write(v >>> (8 * i));
        }

        void i64(long v) {
            for (int i = 0; i < 8; i++) write((int) (v >>> (8 * i)));
        }

        void bytes(byte[] b) {
            write(b, 0, b.length);
        }

        void string(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            i64(b.length);
            bytes(b);
        }
    }
}
