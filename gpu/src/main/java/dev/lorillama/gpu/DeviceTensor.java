package dev.lorillama.gpu;

import dev.lorillama.runtime.UserInputException;
import dev.lorillama.runtime.format.TensorData;
import dev.lorillama.runtime.tensor.DType;
import dev.lorillama.runtime.tensor.StoredMatrix;
import dev.lorillama.runtime.tensor.WeightMatrix;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Map;
import uk.ac.manchester.tornado.api.types.arrays.ByteArray;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.TornadoNativeArray;

/**
 * A weight matrix as the kernels take it: its format (ggml type id), and its bytes (or, for F32,
 * floats) in a TornadoVM array. The unused array of the pair is a one-element placeholder.
 *
 * <p>A tensor that lies in a file is wrapped where it lies, not copied: TornadoVM's
 * {@code fromSegmentShallow} needs {@link TornadoNativeArray#ARRAY_HEADER} writable bytes just
 * before the data (it writes the length there), so each tensor gets its own copy-on-write
 * ({@code PRIVATE}) mapping starting that many bytes early; sharing one mapping of the whole file
 * would let each header overwrite the end of the tensor before it. Matrices built in memory
 * (merged weights) are copied.
 */
record DeviceTensor(int format, ByteArray bytes, FloatArray floats) {
    /** The formats the kernels decode (WeightDecode). */
    static final java.util.Set<DType> SUPPORTED = java.util.Collections.unmodifiableSet(
            java.util.EnumSet.of(DType.F32, DType.F16, DType.BF16, DType.Q8_0, DType.Q4_0, DType.Q4_K, DType.Q6_K));
    static final ByteArray NO_BYTES = new ByteArray(1);
    static final FloatArray NO_FLOATS = new FloatArray(1);

    /** The arrays to upload. */
    TornadoNativeArray data() {
        return format == WeightDecode.F32 ? floats : bytes;
    }

    /**
     * @param files the model's tensors by the address of their mapped bytes (how a stored matrix
     *              is traced back to its file and offset)
     */
    static DeviceTensor of(WeightMatrix m, Map<Long, TensorData> files, Arena arena) {
        if (!(m instanceof StoredMatrix stored)) {
            throw new UserInputException(m.describe() + ": the GPU reads weights stored in a file format (F32, F16, BF16, "
                    + "Q8_0, Q4_0, Q4_K, Q6_K), not " + m.getClass().getSimpleName());
        }
        if (!SUPPORTED.contains(stored.dtype())) {
            throw new UserInputException(m.describe() + ": the GPU reads " + SUPPORTED + " weights, not " + stored.dtype()
                    + "; run this model with --device cpu, or convert it to one of those types");
        }
        int format = stored.dtype().ggmlType();
        long bytes = stored.data().byteSize();
        long header = TornadoNativeArray.ARRAY_HEADER;
        if (bytes + header > Integer.MAX_VALUE) {
            throw new UserInputException(m.describe() + ": " + bytes + " bytes; TornadoVM arrays hold at most 2 GiB");
        }
        TensorData source = files.get(stored.data().address());
        MemorySegment segment;
        if (source != null && source.fileOffset() >= header && source.bytes().byteSize() == bytes) {
            try {
                segment = PrivateMapping.map(source.file(), source.fileOffset() - header, bytes + header, arena);
            } catch (IOException e) {
                throw new UncheckedIOException(source.file() + ": cannot map " + source.name() + " for the GPU", e);
            }
        } else {
            segment = arena.allocate(bytes + header, 64);
            MemorySegment.copy(stored.data(), 0, segment, header, bytes);
        }
        return stored.dtype() == DType.F32
                ? new DeviceTensor(format, NO_BYTES, FloatArray.fromSegmentShallow(segment))
                : new DeviceTensor(format, ByteArray.fromSegmentShallow(segment), NO_FLOATS);
    }

    /** A small float vector (norm weights, adapter factors), copied. */
    static FloatArray floats(float[] values) {
        return values.length == 0 ? new FloatArray(1) : FloatArray.fromArray(values);
    }
}
