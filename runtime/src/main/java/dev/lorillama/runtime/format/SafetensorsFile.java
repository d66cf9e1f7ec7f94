package dev.lorillama.runtime.format;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lorillama.runtime.UserInputException;
import dev.lorillama.runtime.tensor.DType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A safetensors file, memory-mapped or copied into memory ({@link WeightMemory}): 8-byte little-endian header length, a JSON header
 * {@code {name: {dtype, shape, data_offsets}}}, then the raw tensor bytes. Every field is
 * validated; tensors are handed out as slices of those bytes.
 */
public final class SafetensorsFile {
    private static final long MAX_HEADER_BYTES = 100L << 20;

    private final Path path;
    private final Map<String, TensorData> tensors;
    private final Map<String, String> metadata;

    private SafetensorsFile(Path path, Map<String, TensorData> tensors, Map<String, String> metadata) {
        this.path = path;
        this.tensors = tensors;
        this.metadata = metadata;
    }

    /** Maps {@code path} read-only into {@code arena} (the mapping lives as long as the arena). */
    public static SafetensorsFile open(Path path, Arena arena) {
        return open(path, arena, WeightMemory.MAPPED);
    }

    /** Maps or copies ({@code memory}) {@code path} into {@code arena} (the bytes live as long as the arena). */
    public static SafetensorsFile open(Path path, Arena arena, WeightMemory memory) {
        if (!Files.isRegularFile(path)) throw new UserInputException(path + ": no such safetensors file");
        return parse(path, FileBytes.open(path, memory, arena));
    }

    static SafetensorsFile parse(Path path, MemorySegment file) {
        long size = file.byteSize();
        if (size < 8) throw new UserInputException(path + ": too short for a safetensors file (" + size + " bytes)");
        long headerLength = file.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN), 0);
        if (headerLength <= 0 || headerLength > MAX_HEADER_BYTES || 8 + headerLength > size) {
            throw new UserInputException(path + ": header length " + headerLength
                    + " does not fit a file of " + size + " bytes");
        }
        byte[] headerBytes = file.asSlice(8, headerLength).toArray(ValueLayout.JAVA_BYTE);
        JsonNode header = StrictJson.parse(headerBytes, path + ": header", "a JSON object {name: {dtype, shape, data_offsets}}");
        if (!header.isObject()) throw new UserInputException(path + ": header is not a JSON object");
        MemorySegment data = file.asSlice(8 + headerLength);
        Map<String, Layout> layouts = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            if (entry.getKey().equals("__metadata__")) {
                if (!entry.getValue().isObject()) throw new UserInputException(path + ": __metadata__ is not a JSON object");
                entry.getValue().fields().forEachRemaining(m -> metadata.put(m.getKey(), m.getValue().asText()));
            } else {
                layouts.put(entry.getKey(), layout(path, entry.getKey(), entry.getValue()));
            }
        }
        List<TensorRanges.Range> ranges = new ArrayList<>();
        layouts.forEach((name, t) -> ranges.add(new TensorRanges.Range(name, t.begin(), t.end())));
        TensorRanges.checkDisjoint(path.toString(), ranges, data.byteSize());
        Map<String, TensorData> tensors = new LinkedHashMap<>();
        layouts.forEach((name, t) -> tensors.put(name, new TensorData(name, t.dtype(), t.shape(),
                data.asSlice(t.begin(), t.end() - t.begin()), path, 8 + headerLength + t.begin())));
        return new SafetensorsFile(path, Collections.unmodifiableMap(tensors), metadata);
    }

    /** What the header says of one tensor, checked in itself: its bytes are checked against the others by TensorRanges. */
    private record Layout(DType dtype, long[] shape, long begin, long end) {}

    private static Layout layout(Path path, String name, JsonNode info) {
        String where = path.getFileName() + ": tensor \"" + name + "\"";
        if (!info.isObject()) throw new UserInputException(where + ": not a JSON object {dtype, shape, data_offsets}");
        JsonNode dtypeNode = info.get("dtype");
        JsonNode shapeNode = info.get("shape");
        JsonNode offsetsNode = info.get("data_offsets");
        if (dtypeNode == null || !dtypeNode.isTextual()) throw new UserInputException(where + ": missing field dtype");
        if (shapeNode == null || !shapeNode.isArray()) throw new UserInputException(where + ": missing field shape");
        if (offsetsNode == null || !offsetsNode.isArray() || offsetsNode.size() != 2
                || !isOffset(offsetsNode.get(0)) || !isOffset(offsetsNode.get(1))) {
            throw new UserInputException(where + ": field data_offsets must be [begin, end], two non-negative integers");
        }
        DType dtype = DType.fromSafetensors(dtypeNode.asText(), where);
        long[] shape = new long[shapeNode.size()];
        long elements = 1;
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = shapeNode.get(i);
            if (!isOffset(d)) throw new UserInputException(where + ": bad shape " + shapeNode + " (non-negative integers expected)");
            shape[i] = d.asLong();
            elements = multiply(elements, shape[i], where, shapeNode);
        }
        long begin = offsetsNode.get(0).asLong();
        long end = offsetsNode.get(1).asLong();
        if (end < begin) throw new UserInputException(where + ": data_offsets [" + begin + ", " + end + "] end before they begin");
        long expectedBytes = multiply(elements, dtype.bytesPerElement(), where, shapeNode);
        if (end - begin != expectedBytes) {
            throw new UserInputException(where + ": data_offsets span " + (end - begin) + " bytes but shape "
                    + shapeNode + " of " + dtype + " needs " + expectedBytes);
        }
        return new Layout(dtype, shape, begin, end);
    }

    private static boolean isOffset(JsonNode n) {
        return n != null && n.isIntegralNumber() && n.canConvertToLong() && n.asLong() >= 0;
    }

    private static long multiply(long a, long b, String where, JsonNode shape) {
        try {
            return Math.multiplyExact(a, b);
        } catch (ArithmeticException e) {
            throw new UserInputException(where + ": shape " + shape + " has more elements than any file can hold");
        }
    }

    public Path path() {
        return path;
    }

    public Map<String, TensorData> tensors() {
        return tensors;
    }

    public Map<String, String> metadata() {
        return metadata;
    }
}
