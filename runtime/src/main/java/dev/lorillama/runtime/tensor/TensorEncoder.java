package dev.lorillama.runtime.tensor;

/**
 * Encodes float values into a stored type, bit for bit as llama.cpp's converter and reference
 * quantizers do: F16 and BF16 round to nearest even; Q8_0 uses d = amax/127, q = round(x/d)
 * (halves away from zero); Q4_0 uses d = (value of largest magnitude)/−8,
 * q = min(15, (int)(x/d + 8.5)). K-quants are not written (their quantizers search for scales).
 */
public final class TensorEncoder {
    private TensorEncoder() {}

    /** Encodes {@code x[from .. from+n)} ({@code n} a whole number of blocks) into {@code out} at {@code at}. */
    public static void encode(DType type, float[] x, int from, int n, byte[] out, int at) {
        switch (type) {
            case F32 -> {
                for (int i = 0; i < n; i++) putInt(out, at + 4 * i, Float.floatToRawIntBits(x[from + i]));
            }
            case F16 -> {
                for (int i = 0; i < n; i++) putShort(out, at + 2 * i, Float.floatToFloat16(x[from + i]));
            }
            case BF16 -> {
                for (int i = 0; i < n; i++) putShort(out, at + 2 * i, toBf16(x[from + i]));
            }
            case Q8_0 -> {
                for (int b = 0; b < n / 32; b++) quantizeQ8_0(x, from + 32 * b, out, at + 34 * b);
            }
            case Q4_0 -> {
                for (int b = 0; b < n / 32; b++) quantizeQ4_0(x, from + 32 * b, out, at + 18 * b);
            }
            default -> throw new IllegalArgumentException("cannot encode " + type + " (only F32, F16, BF16, Q8_0, Q4_0)");
        }
    }

    /** bfloat16 with round-to-nearest-even; NaNs stay (quiet) NaNs. */
    public static short toBf16(float v) {
        int bits = Float.floatToRawIntBits(v);
        if (Float.isNaN(v)) return (short) ((bits >>> 16) | 0x40);
        return (short) ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16);
    }

    static void quantizeQ8_0(float[] x, int from, byte[] out, int at) {
        float amax = 0;
        for (int j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(x[from + j]));
        float d = amax / 127;
        float id = d != 0 ? 1.0f / d : 0.0f;
        putShort(out, at, Float.floatToFloat16(d));
        for (int j = 0; j < 32; j++) out[at + 2 + j] = (byte) roundHalfAwayFromZero(x[from + j] * id);
    }

    static void quantizeQ4_0(float[] x, int from, byte[] out, int at) {
        float amax = 0, max = 0;
        for (int j = 0; j < 32; j++) {
            float v = x[from + j];
            if (amax < Math.abs(v)) {
                amax = Math.abs(v);
                max = v;
            }
        }
        float d = max / -8;
        float id = d != 0 ? 1.0f / d : 0.0f;
        putShort(out, at, Float.floatToFloat16(d));
        for (int j = 0; j < 16; j++) {
            int q0 = Math.min(15, (byte) (int) (x[from + j] * id + 8.5f));
            int q1 = Math.min(15, (byte) (int) (x[from + 16 + j] * id + 8.5f));
            out[at + 2 + j] = (byte) (q0 | q1 << 4);
        }
    }

    /** C's roundf: halves go away from zero (Math.round sends −2.5 to −2). */
    static float roundHalfAwayFromZero(float v) {
        float a = Math.abs(v);
        float r = (float) Math.floor(a);
        if (a - r >= 0.5f) r += 1;
        return Math.copySign(r, v);
    }

    private static void putShort(byte[] out, int at, short v) {
        out[at] = (byte) v;
        out[at + 1] = (byte) (v >>> 8);
    }

    private static void putInt(byte[] out, int at, int v) {
        out[at] = (byte) v;
        out[at + 1] = (byte) (v >>> 8);
        out[at + 2] = (byte) (v >>> 16);
        out[at + 3] = (byte) (v >>> 24);
    }
}
