package dev.lorillama.runtime.tensor;

/**
 * Activations rounded to bf16 for the decode kernels of long rows (see
 * {@link StoredMatrix#LONG_ROW}): half the bytes, so an 8192-wide row's activations stay
 * in L1. Rounding is to nearest, ties to even; the relative error (2^-9) is below that of the
 * 8-bit weights they meet.
 */
final class Bf16Activations {
    private static final ThreadLocal<short[]> BUFFER = ThreadLocal.withInitial(() -> new short[0]);

    private Bf16Activations() {}

    /** {@code x[from .. from+n)} rounded to bf16, in a per-thread buffer valid until this thread's next call. */
    static short[] round(float[] x, int from, int n) {
        short[] half = BUFFER.get();
        if (half.length < n) BUFFER.set(half = new short[n]);
        for (int i = 0; i < n; i++) half[i] = round(x[from + i]);
        return half;
    }

    /** {@code x[from .. from+n)} rounded to bf16 into {@code into[at ..]}. */
    static void round(float[] x, int from, int n, short[] into, int at) {
        for (int i = 0; i < n; i++) into[at + i] = round(x[from + i]);
    }

    static short round(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) return (short) ((bits >>> 16) | 0x40); // keep it a NaN
        return (short) ((bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16);
    }
}
