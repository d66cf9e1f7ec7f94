package dev.lorillama.runtime.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/**
 * IEEE half-precision weights. The vector decode moves exponent and mantissa into float position
 * and rescales by 2^112 (which also handles subnormals); infinities and NaNs, which trained
 * weights do not hold, come out as large finite values there.
 */
public final class F16Matrix extends FloatStorageMatrix {
    private static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final float EXPONENT_REBIAS = 0x1p112f;

    public F16Matrix(String name, MemorySegment data, int rows, int cols) {
        super(name, DType.F16, data, rows, cols);
    }

    @Override
    protected FloatVector loadVector(long index) {
        IntVector h = (IntVector) ShortVector.fromMemorySegment(BF16Matrix.HALF_WIDTH_SHORTS, data, index * 2, ByteOrder.LITTLE_ENDIAN)
                .convertShape(VectorOperators.S2I, I, 0);
        // The widening sign-extends, so bit 31 already is the sign; exponent and mantissa move up 13 bits.
        IntVector sign = h.and(0x80000000);
        FloatVector magnitude = h.lanewise(VectorOperators.LSHL, 13).and(0x0FFFE000).reinterpretAsFloats().mul(EXPONENT_REBIAS);
        return magnitude.reinterpretAsInts().or(sign).reinterpretAsFloats();
    }

    @Override
    protected float loadScalar(long index) {
        return Float.float16ToFloat(data.get(LE_SHORT, index * 2));
    }
}
