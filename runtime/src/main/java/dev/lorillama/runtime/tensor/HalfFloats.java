package dev.lorillama.runtime.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * BF16 and F16 values kept in {@code short} arrays on the heap (the adapters' factor matrices):
 * rounding a float to them, and reading them back one at a time or a float vector's lanes at a
 * time. The vector reads are small enough for the JIT to always inline (KernelInliningTest).
 */
final class HalfFloats {
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> I = F.withLanes(int.class);
    private static final VectorSpecies<Short> LANE_SHORTS = VectorSpecies.of(short.class, VectorShape.forBitSize(F.vectorBitSize() / 2));
    /** An F16 value's bits moved to a float's place ({@link #floatBits}) times this are the float (as in F16Matrix). */
    static final float F16_EXPONENT_REBIAS = 0x1p112f;

    private HalfFloats() {}

    /** {@code v} rounded to nearest (ties to even) as {@code dtype}, BF16 or F16. */
    static short round(DType dtype, float v) {
        return dtype == DType.BF16 ? Bf16Activations.round(v) : Float.floatToFloat16(v);
    }

    /** The float a BF16 or F16 value stands for. */
    static float decode(DType dtype, short bits) {
        return dtype == DType.BF16 ? BF16Matrix.decode(bits) : Float.float16ToFloat(bits);
    }

    /** The bf16 values at {@code v[at ..]} as floats (a bf16 is the top half of a float). */
    static FloatVector bf16(short[] v, int at) {
        return halfBits(v, at).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    /**
     * The f16 values at {@code v[at ..]} with exponent and mantissa moved to a float's place and the
     * sign (widened by sign extension) on bit 31: times {@link #F16_EXPONENT_REBIAS} they are the floats.
     */
    static IntVector floatBits(short[] v, int at) {
        return halfBits(v, at).lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000);
    }

    /** The 16-bit values at {@code v[at ..]}, sign-extended to ints. */
    static IntVector halfBits(short[] v, int at) {
        return (IntVector) ShortVector.fromArray(LANE_SHORTS, v, at).convertShape(VectorOperators.S2I, I, 0);
    }
}
