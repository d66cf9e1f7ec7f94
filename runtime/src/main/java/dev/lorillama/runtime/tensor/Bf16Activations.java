package dev.lorillama.runtime.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Activations rounded to bf16 for the decode kernels of long rows (see
 * {@link StoredMatrix#LONG_ROW}): half the bytes, so an 8192-wide row's activations stay
 * in L1. Rounding is to nearest, ties to even; the relative error (2^-9) is below that of the
 * 8-bit weights they meet.
 */
final class Bf16Activations {
    private static final VectorSpecies<Float> F = BlockQuantizedMatrix.F;
    private static final VectorSpecies<Integer> I = BlockQuantizedMatrix.I;
    private static final VectorSpecies<Short> S = BlockQuantizedMatrix.S;
    private static final ThreadLocal<short[]> BUFFER = ThreadLocal.withInitial(() -> new short[0]);

    private Bf16Activations() {}

    /** {@code x[from .. from+n)} rounded to bf16, in a per-thread buffer valid until this thread's next call. */
    static short[] round(float[] x, int from, int n) {
        short[] half = BUFFER.get();
        if (half.length < n) BUFFER.set(half = new short[n]);
        round(x, from, n, half, 0);
        return half;
    }

    /** {@code x[from .. from+n)} rounded to bf16 into {@code into[at ..]}. */
    static void round(float[] x, int from, int n, short[] into, int at) {
        int i = 0;
        for (int l = F.length(); i <= n - l; i += l) {
            FloatVector v = FloatVector.fromArray(F, x, from + i);
            IntVector bits = v.reinterpretAsInts(), high = bits.lanewise(VectorOperators.LSHR, 16);
            IntVector rounded = bits.add(0x7FFF).add(high.and(1)).lanewise(VectorOperators.LSHR, 16);
            rounded = rounded.blend(high.or(0x40), v.test(VectorOperators.IS_NAN).cast(I));
            ((ShortVector) rounded.convertShape(VectorOperators.I2S, S, 0)).intoArray(into, at + i);
        }
        for (; i < n; i++) into[at + i] = round(x[from + i]);
    }

    /** One value: to nearest, ties to even (the vector loop above does the same lane by lane). */
    static short round(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) return (short) ((bits >>> 16) | 0x40); // keep it a NaN
        return (short) ((bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16);
    }
}
