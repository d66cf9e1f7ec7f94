package dev.lorillama.runtime.format;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lorillama.runtime.UserInputException;
import dev.lorillama.runtime.tensor.DType;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A memory-mapped safetensors file: 8-byte little-endian header length, a JSON header
 * {@code {name: {dtype, shape, data_offsets}}}, then the raw tensor bytes. Every field is
 * validated; tensors are handed out as slices of the mapping.
 */
public final class SafetensorsFile {
    private static final long MAX_HEADER_BYTES = 100L << 20;
    private static final ObjectMapper JSON = new ObjectMapper();

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
        if (!Files.isRegularFile(path)) throw new UserInputException(path + ": no such safetensors file");
        MemorySegment file;
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            file = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size(), arena);
        } catch (IOException e) {
            throw new UserInputException(path + ": cannot map file: " + e.getMessage(), e);
        }
        return parse(path, file);
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
        JsonNode header;
        try {
            header = JSON.readTree(new String(headerBytes, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UserInputException(path + ": header is not valid JSON: " + e.getMessage());
        }
        if (header == null || !header.isObject()) throw new UserInputException(path + ": header is not a JSON object");
        MemorySegment data = file.asSlice(8 + headerLength);
        Map<String, TensorData> tensors = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            if (entry.getKey().equals("__metadata__")) {
                entry.getValue().fields().forEachRemaining(m -> metadata.put(m.getKey(), m.getValue().asText()));
                continue;
            }
            tensors.put(entry.getKey(), parseTensor(path, entry.getKey(), entry.getValue(), data, 8 + headerLength));
        }
        return new SafetensorsFile(path, Collections.unmodifiableMap(tensors), metadata);
    }

    private static TensorData parseTensor(Path path, String name, JsonNode info, MemorySegment data, long dataStart) {
        String where = path.getFileName() + ": tensor \"" + name + "\"";
        JsonNode dtypeNode = info.get("dtype");
        JsonNode shapeNode = info.get("shape");
        JsonNode offsetsNode = info.get("data_offsets");
        if (dtypeNode == null || !dtypeNode.isTextual()) throw new UserInputException(where + ": missing field dtype");
        if (shapeNode == null || !shapeNode.isArray()) throw new UserInputException(where + ": missing field shape");
        if (offsetsNode == null || !offsetsNode.isArray() || offsetsNode.size() != 2) {
            throw new UserInputException(where + ": field data_offsets must be [begin, end]");
        }
        DType dtype = DType.fromSafetensors(dtypeNode.asText(), where);
        long[] shape = new long[shapeNode.size()];
        long elements = 1;
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = shapeNode.get(i);
            if (!d.canConvertToLong() || d.asLong() < 0) throw new UserInputException(where + ": bad shape " + shapeNode);
            shape[i] = d.asLong();
            elements = Math.multiplyExact(elements, shape[i]);
        }
        long begin = offsetsNode.get(0).asLong(-1);
        long end = offsetsNode.get(1).asLong(-1);
        long expectedBytes = elements * dtype.bytesPerElement();
        if (begin < 0 || end < begin || end > data.byteSize()) {
            throw new UserInputException(where + ": data_offsets [" + begin + ", " + end
                    + "] outside the data section of " + data.byteSize() + " bytes");
        }
        if (end - begin != expectedBytes) {
            throw new UserInputException(where + ": data_offsets span " + (end - begin) + " bytes but shape "
                    + shapeNode + " of " + dtype + " needs " + expectedBytes);
        }
        return new TensorData(name, dtype, shape, data.asSlice(begin, end - begin), path, dataStart + begin);
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
