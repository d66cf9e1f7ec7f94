package dev.lorillama.runtime.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/** bfloat16 weights: the upper 16 bits of a float32, so decoding is a shift. */
public final class BF16Matrix extends FloatStorageMatrix {
    static final VectorSpecies<Short> HALF_WIDTH_SHORTS =
            VectorSpecies.of(short.class, VectorShape.forBitSize(F.vectorBitSize() / 2));
    private static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    public BF16Matrix(String name, MemorySegment data, int rows, int cols) {
        super(name, DType.BF16, data, rows, cols);
    }

    public static float decode(short bits) {
        return Float.intBitsToFloat(bits << 16);
    }

    @Override
    protected FloatVector loadVector(long index) {
        ShortVector raw = ShortVector.fromMemorySegment(HALF_WIDTH_SHORTS, data, index * 2, ByteOrder.LITTLE_ENDIAN);
        return raw.convertShape(VectorOperators.S2I, I, 0)
                .lanewise(VectorOperators.LSHL, 16)
                .reinterpretAsFloats();
    }

    @Override
    protected float loadScalar(long index) {
        return decode(data.get(LE_SHORT, index * 2));
    }
}
