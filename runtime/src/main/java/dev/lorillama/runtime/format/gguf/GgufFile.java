package dev.lorillama.runtime.format.gguf;

import dev.lorillama.runtime.UserInputException;
import dev.lorillama.runtime.format.FileBytes;
import dev.lorillama.runtime.format.TensorData;
import dev.lorillama.runtime.format.WeightMemory;
import dev.lorillama.runtime.format.MappedTensors;
import dev.lorillama.runtime.format.TensorRanges;
import dev.lorillama.runtime.tensor.DType;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A GGUF file (versions 2 and 3, little-endian), memory-mapped or copied into memory
 * ({@link WeightMemory}): magic "GGUF", version, tensor and metadata counts, metadata key/values, tensor infos, then tensor data starting at the next
 * multiple of {@code general.alignment} (default 32), each tensor at an aligned offset.
 * Tensors are slices of those bytes; shapes are given as [rows, cols] (GGUF lists cols first).
 *
 * <p>Metadata values are held as: integers {@link Long}, floats {@link Double}, {@link Boolean},
 * {@link String}; arrays as {@code long[]}, {@code double[]}, {@code boolean[]} or
 * {@code List<String>}.
 */
public final class GgufFile extends MappedTensors {
    static final int MAGIC = 0x46554747; // "GGUF" read as a little-endian u32
    public static final int DEFAULT_ALIGNMENT = 32;
    private static final int MAX_DIMS = 4;

    private final Path path;
    private final int version;
    private final Map<String, Object> metadata;

    private GgufFile(Path path, int version, Map<String, Object> metadata, Map<String, TensorData> tensors, Arena arena,
                     WeightMemory memory) {
        super(tensors, arena, memory);
        this.path = path;
        this.version = version;
        this.metadata = metadata;
    }

    public static boolean looksLikeGguf(Path path) {
        if (!Files.isRegularFile(path)) return false;
        if (path.getFileName().toString().endsWith(".gguf")) return true;
        try (var in = Files.newInputStream(path)) {
            byte[] magic = in.readNBytes(4);
            return magic.length == 4 && new String(magic, java.nio.charset.StandardCharsets.ISO_8859_1).equals("GGUF");
        } catch (IOException e) {
            return false;
        }
    }

    /** Maps and parses {@code path}; the mapping lives until {@link #close}. */
    public static GgufFile open(Path path) {
        return open(path, WeightMemory.MAPPED);
    }

    /** Maps or copies ({@code memory}) and parses {@code path}; the bytes live until {@link #close}. */
    public static GgufFile open(Path path, WeightMemory memory) {
        if (!Files.isRegularFile(path)) throw new UserInputException(path + ": no such GGUF file");
        Arena arena = Arena.ofShared();
        try {
            return parse(path, FileBytes.open(path, memory, arena), arena, memory);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    static GgufFile parse(Path path, MemorySegment file, Arena arena, WeightMemory memory) {
        GgufCursor in = new GgufCursor(path, file);
        int magic = in.i32("magic");
        if (magic != MAGIC) throw new UserInputException(path + ": not a GGUF file (magic " + String.format("0x%08x", magic) + ")");
        long version = in.u32("version");
        if (version != 2 && version != 3) {
            throw new UserInputException(path + ": GGUF version " + version + " is not supported (2 or 3)");
        }
        long tensorCount = in.u64("tensor_count");
        long kvCount = in.u64("metadata_kv_count");
        // Each key/value takes at least 12 bytes (key length, type, a value); each tensor info at least 24.
        if (kvCount > in.remaining() / 12) throw in.error("metadata_kv_count", "value " + kvCount + " cannot fit in the file");
        if (tensorCount > in.remaining() / 24) throw in.error("tensor_count", "value " + tensorCount + " cannot fit in the file");

        Map<String, Object> metadata = new LinkedHashMap<>();
        for (long i = 0; i < kvCount; i++) {
            String key = in.string("metadata key #" + i);
            long typeId = in.u32("type of " + key);
            GgufValueType type = GgufValueType.byId(typeId);
            if (type == null) throw in.error("type of " + key, "unknown value type " + typeId);
            Object value = readValue(in, type, key);
            if (metadata.putIfAbsent(key, value) != null) throw in.error(key, "duplicate metadata key");
        }
        long alignment = GgufMetadata.of(path, metadata).optionalLong("general.alignment", DEFAULT_ALIGNMENT);
        if (alignment <= 0 || alignment > (1 << 20) || Long.bitCount(alignment) != 1) {
            throw new UserInputException(path + ": general.alignment " + alignment + " must be a power of two");
        }

        record Info(String name, long[] shape, DType type, long offset, long bytes) {}
        List<Info> infos = new ArrayList<>();
        for (long i = 0; i < tensorCount; i++) {
            String name = in.string("tensor name #" + i);
            String where = path.getFileName() + ": tensor \"" + name + "\"";
            long dims = in.u32(name + " n_dims");
            if (dims < 1 || dims > MAX_DIMS) throw in.error(name + " n_dims", "value " + dims + " must be 1.." + MAX_DIMS);
            long[] ne = new long[(int) dims];
            long elements = 1;
            for (int d = 0; d < dims; d++) {
                ne[d] = in.u64(name + " ne[" + d + "]");
                if (ne[d] == 0) throw in.error(name + " ne[" + d + "]", "dimension is 0");
                try {
                    elements = Math.multiplyExact(elements, ne[d]);
                } catch (ArithmeticException e) {
                    throw in.error(name + " ne", "element count overflows");
                }
            }
            DType type = DType.fromGgml(in.u32(name + " type"), where);
            long offset = in.u64(name + " offset");
            if (ne[0] % type.blockElements() != 0) {
                throw new UserInputException(where + ": row length " + ne[0] + " is not a multiple of the " + type
                        + " block size " + type.blockElements());
            }
            if (offset % alignment != 0) {
                throw new UserInputException(where + ": data offset " + offset + " is not a multiple of the alignment " + alignment);
            }
            long[] shape = new long[ne.length]; // rows first, as everywhere else in the runtime
            for (int d = 0; d < ne.length; d++) shape[d] = ne[ne.length - 1 - d];
            long bytes;
            try {
                bytes = type.byteSize(elements);
            } catch (ArithmeticException e) {
                throw in.error(name + " ne", "byte size overflows");
            }
            infos.add(new Info(name, shape, type, offset, bytes));
        }
        long dataStart = (in.position() + alignment - 1) / alignment * alignment;
        if (dataStart > file.byteSize()) {
            throw new UserInputException(path + ": tensor data would start at " + dataStart + ", beyond the end of the file ("
                    + file.byteSize() + " bytes)");
        }
        MemorySegment data = file.asSlice(dataStart);
        List<TensorRanges.Range> ranges = new ArrayList<>();
        for (Info t : infos) {
            if (t.offset() > data.byteSize() || t.bytes() > data.byteSize() - t.offset()) {
                throw new UserInputException(path.getFileName() + ": tensor \"" + t.name() + "\" data [" + t.offset() + ", "
                        + (t.offset() + t.bytes()) + ") lies outside the data section of " + data.byteSize() + " bytes");
            }
            ranges.add(new TensorRanges.Range(t.name(), t.offset(), t.offset() + t.bytes()));
        }
        TensorRanges.checkInOrder(path.toString(), ranges, data.byteSize());
        Map<String, TensorData> tensors = new LinkedHashMap<>();
        for (Info t : infos) {
            TensorData td = new TensorData(t.name(), t.type(), t.shape(), data.asSlice(t.offset(), t.bytes()), path,
                    dataStart + t.offset());
            if (tensors.putIfAbsent(t.name(), td) != null) {
                throw new UserInputException(path.getFileName() + ": tensor \"" + t.name() + "\" appears twice");
            }
        }
        return new GgufFile(path, (int) version, Collections.unmodifiableMap(metadata), Collections.unmodifiableMap(tensors), arena, memory);
    }

    private static Object readValue(GgufCursor in, GgufValueType type, String key) {
        return switch (type) {
            case UINT8 -> (long) in.u8(key);
            case INT8 -> (long) in.i8(key);
            case UINT16 -> (long) (in.i16(key) & 0xFFFF);
            case INT16 -> (long) in.i16(key);
            case UINT32 -> in.u32(key);
            case INT32 -> (long) in.i32(key);
            case UINT64 -> in.u64(key);
            case INT64 -> in.i64(key);
            case FLOAT32 -> (double) in.f32(key);
            case FLOAT64 -> in.f64(key);
            case BOOL -> {
                int b = in.u8(key);
                if (b > 1) throw in.error(key, "bool value " + b + " is neither 0 nor 1");
                yield b == 1;
            }
            case STRING -> in.string(key);
            case ARRAY -> readArray(in, key);
        };
    }

    private static Object readArray(GgufCursor in, String key) {
        long typeId = in.u32(key + " element type");
        GgufValueType type = GgufValueType.byId(typeId);
        if (type == null || type == GgufValueType.ARRAY) {
            throw in.error(key + " element type", "unsupported array element type " + typeId);
        }
        long count = in.u64(key + " count");
        long minBytes = type == GgufValueType.STRING ? 8 : type.size();
        if (count > in.remaining() / minBytes) throw in.error(key + " count", "value " + count + " cannot fit in the file");
        if (count > Integer.MAX_VALUE - 8) throw in.error(key + " count", "value " + count + " is more than an array can hold");
        int n = (int) count;
        if (type == GgufValueType.STRING) {
            List<String> strings = new ArrayList<>(n);
            for (int i = 0; i < n; i++) strings.add(in.string(key + "[" + i + "]"));
            return Collections.unmodifiableList(strings);
        }
        if (type == GgufValueType.BOOL) {
            boolean[] v = new boolean[n];
            for (int i = 0; i < n; i++) v[i] = (Boolean) readValue(in, type, key + "[" + i + "]");
            return v;
        }
        if (type.isInteger()) {
            long[] v = new long[n];
            for (int i = 0; i < n; i++) v[i] = (Long) readValue(in, type, key);
            return v;
        }
        double[] v = new double[n];
        for (int i = 0; i < n; i++) v[i] = (Double) readValue(in, type, key);
        return v;
    }

    public Path path() {
        return path;
    }

    public int version() {
        return version;
    }

    /** All key/values, in file order. */
    public Map<String, Object> metadataMap() {
        return metadata;
    }

    /** Typed access to the metadata, with errors naming this file and the key. */
    public GgufMetadata metadata() {
        return GgufMetadata.of(path, metadata);
    }

    @Override
    public String describe() {
        return path.toString();
    }
}
