package dev.lorillama.runtime.tensor;

/**
 * Encodes float values into a stored type, bit for bit as llama.cpp's converter and reference
 * quantizers do: F16 and BF16 round to nearest even; Q8_0 uses d = amax/127, q = round(x/d)
 * (halves away from zero); Q4_0 uses d = (value of largest magnitude)/−8,
 * q = min(15, (int)(x/d + 8.5)); Q4_1 uses d = (max − min)/15, m = min,
 * q = min(15, (int8)((x − min)/d + 0.5)); Q5_0 and Q5_1 as ggml's quantize_row_q5_{0,1}_ref; Q4_K,
 * Q5_K and Q6_K by llama.cpp's scale searches ({@link KQuantEncoder}).
 */
public final class TensorEncoder {
    private TensorEncoder() {}

    /** Whether {@link #encode} writes {@code type}. */
    public static boolean canEncode(DType type) {
        return switch (type) {
            case F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q4_K, Q5_K, Q6_K -> true;
            default -> false;
        };
    }

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
            case Q4_1 -> {
                for (int b = 0; b < n / 32; b++) quantizeQ4_1(x, from + 32 * b, out, at + 20 * b);
            }
            case Q5_0 -> {
                for (int b = 0; b < n / 32; b++) quantizeQ5_0(x, from + 32 * b, out, at + 22 * b);
            }
            case Q5_1 -> {
                for (int b = 0; b < n / 32; b++) quantizeQ5_1(x, from + 32 * b, out, at + 24 * b);
            }
            case Q4_K -> {
                for (int b = 0; b < n / 256; b++) KQuantEncoder.quantizeQ4K(x, from + 256 * b, out, at + 144 * b);
            }
            case Q5_K -> {
                for (int b = 0; b < n / 256; b++) KQuantEncoder.quantizeQ5K(x, from + 256 * b, out, at + 176 * b);
            }
            case Q6_K -> {
                for (int b = 0; b < n / 256; b++) KQuantEncoder.quantizeQ6K(x, from + 256 * b, out, at + 210 * b);
            }
            default -> throw new IllegalArgumentException("cannot encode " + type
                    + " (only F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q4_K, Q5_K, Q6_K)");
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
        float d = largestMagnitude(x, from) / -8;
        float id = d != 0 ? 1.0f / d : 0.0f;
        putShort(out, at, Float.floatToFloat16(d));
        for (int j = 0; j < 16; j++) {
            int q0 = Math.min(15, (byte) (int) (x[from + j] * id + 8.5f));
            int q1 = Math.min(15, (byte) (int) (x[from + 16 + j] * id + 8.5f));
            out[at + 2 + j] = (byte) (q0 | q1 << 4);
        }
    }

    /** d = (max − min)/15, m = min, levels min(15, (int8)((x − min)/d + 0.5)) (ggml's quantize_row_q4_1_ref). */
    static void quantizeQ4_1(float[] x, int from, byte[] out, int at) {
        float min = blockMin(x, from), max = blockMax(x, from);
        float d = (max - min) / 15;
        float id = d != 0 ? 1.0f / d : 0.0f;
        putShort(out, at, Float.floatToFloat16(d));
        putShort(out, at + 2, Float.floatToFloat16(min));
        for (int j = 0; j < 16; j++) {
            int q0 = Math.min(15, (byte) (int) ((x[from + j] - min) * id + 0.5f));
            int q1 = Math.min(15, (byte) (int) ((x[from + 16 + j] - min) * id + 0.5f));
            out[at + 4 + j] = (byte) (q0 | q1 << 4);
        }
    }

    /** d = (value of largest magnitude)/−16, levels min(31, (int)(x/d + 16.5)); fifth bits in a 32-bit mask after d. */
    static void quantizeQ5_0(float[] x, int from, byte[] out, int at) {
        float d = largestMagnitude(x, from) / -16;
        float id = d != 0 ? 1.0f / d : 0.0f;
        putShort(out, at, Float.floatToFloat16(d));
        int qh = 0;
        for (int j = 0; j < 16; j++) {
            int q0 = Math.min(31, (byte) (int) (x[from + j] * id + 16.5f)) & 0xFF;
            int q1 = Math.min(31, (byte) (int) (x[from + 16 + j] * id + 16.5f)) & 0xFF;
            out[at + 6 + j] = (byte) ((q0 & 0xF) | (q1 & 0xF) << 4);
            qh |= (q0 >> 4 & 1) << j | (q1 >> 4 & 1) << (j + 16);
        }
        putInt(out, at + 2, qh);
    }

    /** d = (max − min)/31, m = min, levels (int)((x − min)/d + 0.5); fifth bits as Q5_0's. */
    static void quantizeQ5_1(float[] x, int from, byte[] out, int at) {
        float min = blockMin(x, from), max = blockMax(x, from);
        float d = (max - min) / 31;
        float id = d != 0 ? 1.0f / d : 0.0f;
        putShort(out, at, Float.floatToFloat16(d));
        putShort(out, at + 2, Float.floatToFloat16(min));
        int qh = 0;
        for (int j = 0; j < 16; j++) {
            int q0 = (int) ((x[from + j] - min) * id + 0.5f) & 0xFF;
            int q1 = (int) ((x[from + 16 + j] - min) * id + 0.5f) & 0xFF;
            out[at + 8 + j] = (byte) ((q0 & 0xF) | (q1 & 0xF) << 4);
            qh |= (q0 >> 4 & 1) << j | (q1 >> 4 & 1) << (j + 16);
        }
        putInt(out, at + 4, qh);
    }

    private static float blockMin(float[] x, int from) {
        float min = Float.MAX_VALUE;
        for (int j = 0; j < 32; j++) min = Math.min(min, x[from + j]);
        return min;
    }

    private static float blockMax(float[] x, int from) {
        float max = -Float.MAX_VALUE;
        for (int j = 0; j < 32; j++) max = Math.max(max, x[from + j]);
        return max;
    }

    /** The first of the block's 32 values with the largest magnitude, sign kept (ggml's amax/max loop). */
    private static float largestMagnitude(float[] x, int from) {
        float amax = 0, max = 0;
        for (int j = 0; j < 32; j++) {
            float v = x[from + j];
            if (amax < Math.abs(v)) {
                amax = Math.abs(v);
                max = v;
            }
        }
        return max;
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
