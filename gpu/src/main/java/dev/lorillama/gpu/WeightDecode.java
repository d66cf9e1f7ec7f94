package dev.lorillama.gpu;

import uk.ac.manchester.tornado.api.types.arrays.ByteArray;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;

/**
 * Device code: reading weights in their stored format, straight from the bytes of the file
 * (F32 weights come as a {@link FloatArray}). Formats are named by their ggml type id. Each
 * format has its own small methods, and the kernels have one entry point per format
 * ({@link MatMulKernels}, {@link LayerKernels#embedQ8_0} ...): TornadoVM refuses to inline a
 * callee of more than 600 graph nodes, which a switch over all formats exceeds.
 *
 * <p>fp16 and bf16 are decoded with integer arithmetic and a table of powers of two: kernels
 * cannot reinterpret bits ({@code Float.intBitsToFloat} does not compile, {@code
 * Float.float16ToFloat} compiles to wrong code) and PoCL has no {@code half}. Each value is an
 * integer mantissa times a power of two, so the decode is exact.
 *
 * <p>Offsets are subtracted in float ({@code (float) nibble - 8f}): TornadoVM types a value made
 * from {@code b & 0xFF} as unsigned, and {@code nibble - 8} then wraps to ~4·10⁹ instead of going
 * negative (Q4_0 and Q6_K products came out 10⁸ times too large).
 */
final class WeightDecode {
    static final int F32 = 0, F16 = 1, Q4_0 = 2, Q8_0 = 8, Q4_K = 12, Q6_K = 14, BF16 = 30;

    /** In the table: [0, 32) 2^(e−25) for fp16 exponent e; [32, 288) 2^(e−134) for bf16 exponent e. */
    static final int BF16_POWERS = 32;
    static final int TABLE_SIZE = 288;

    private WeightDecode() {}

    /** The powers-of-two table every decoding kernel takes. */
    static FloatArray table() {
        FloatArray t = new FloatArray(TABLE_SIZE);
        for (int e = 0; e < 32; e++) t.set(e, (float) Math.scalb(1.0, e - 25));
        for (int e = 0; e < 256; e++) t.set(BF16_POWERS + e, (float) Math.scalb(1.0, e - 134));
        return t;
    }

    static int u16(ByteArray w, int at) {
        return (w.get(at) & 0xFF) | ((w.get(at + 1) & 0xFF) << 8);
    }

    /** fp16 at byte {@code at}: (1024 + m)·2^(e−25), subnormals m·2^−24. */
    static float f16(ByteArray w, int at, FloatArray powers) {
        int h = u16(w, at);
        int e = (h >> 10) & 31;
        int m = h & 1023;
        float v = e == 0 ? m * powers.get(1) : (m | 1024) * powers.get(e);
        return (h & 0x8000) != 0 ? -v : v;
    }

    /** bf16 at byte {@code at}: (128 + m)·2^(e−134), subnormals m·2^−133. */
    static float bf16(ByteArray w, int at, FloatArray powers) {
        int b = u16(w, at);
        int e = (b >> 7) & 255;
        int m = b & 127;
        float v = e == 0 ? m * powers.get(BF16_POWERS + 1) : (m | 128) * powers.get(BF16_POWERS + e);
        return (b & 0x8000) != 0 ? -v : v;
    }

    /** Q4_K's 6-bit scale (low byte) and min (high byte) of sub-block j, from the 12 scale bytes at {@code q}. */
    static int q4kScaleMin(ByteArray w, int q, int j) {
        if (j < 4) return (w.get(q + j) & 63) | ((w.get(q + j + 4) & 63) << 8);
        int scale = (w.get(q + j + 4) & 0xF) | (((w.get(q + j - 4) & 0xFF) >> 6) << 4);
        int min = ((w.get(q + j + 4) & 0xFF) >> 4) | (((w.get(q + j) & 0xFF) >> 6) << 4);
        return scale | (min << 8);
    }

    // Element (row, col) of each format, i = row·cols + col (embedding lookups; the matmuls decode whole blocks).

    static float f16Element(ByteArray w, FloatArray powers, int i) {
        return f16(w, 2 * i, powers);
    }

    static float bf16Element(ByteArray w, FloatArray powers, int i) {
        return bf16(w, 2 * i, powers);
    }

    static float q8Element(ByteArray w, FloatArray powers, int i) {
        int at = (i / 32) * 34;
        return f16(w, at, powers) * w.get(at + 2 + i % 32);
    }

    static float q4Element(ByteArray w, FloatArray powers, int i) {
        int at = (i / 32) * 18;
        int k = i % 32;
        int q = w.get(at + 2 + k % 16) & 0xFF;
        return f16(w, at, powers) * ((float) (k < 16 ? q & 15 : q >> 4) - 8f);
    }

    static float q4kElement(ByteArray w, FloatArray powers, int i) {
        int at = (i / 256) * 144;
        int k = i % 256;
        int chunk = k / 64, within = k % 64;
        int sm = q4kScaleMin(w, at + 4, 2 * chunk + within / 32);
        int q = w.get(at + 16 + chunk * 32 + within % 32) & 0xFF;
        return f16(w, at, powers) * (sm & 255) * (within < 32 ? q & 15 : q >> 4) - f16(w, at + 2, powers) * (sm >> 8);
    }

    static float q6kElement(ByteArray w, FloatArray powers, int i) {
        int at = (i / 256) * 210;
        int k = i % 256;
        int half = k / 128, quarter = (k % 128) / 32, l = k % 32;
        int low = w.get(at + half * 64 + l + (quarter % 2) * 32) & 0xFF;
        int high = ((w.get(at + 128 + half * 32 + l) & 0xFF) >> (2 * quarter)) & 3;
        float q = (float) ((quarter < 2 ? low & 15 : low >> 4) | (high << 4)) - 32f;
        return f16(w, at + 208, powers) * w.get(at + 192 + half * 8 + l / 16 + 2 * quarter) * q;
    }

    // This thread's share of row · x for each format: columns (float formats) or blocks (block
    // formats) lane, lane + lanes, ... of the row, against x[xo ..].

    static float f32Dot(FloatArray wf, int row, int cols, FloatArray x, int xo, int lane, int lanes) {
        float sum = 0f;
        for (int c = lane; c < cols; c += lanes) sum += wf.get(row * cols + c) * x.get(xo + c);
        return sum;
    }

    static float f16Dot(ByteArray w, FloatArray powers, int row, int cols, FloatArray x, int xo, int lane, int lanes) {
        float sum = 0f;
        for (int c = lane; c < cols; c += lanes) sum += f16(w, 2 * (row * cols + c), powers) * x.get(xo + c);
        return sum;
    }

    static float bf16Dot(ByteArray w, FloatArray powers, int row, int cols, FloatArray x, int xo, int lane, int lanes) {
        float sum = 0f;
        for (int c = lane; c < cols; c += lanes) sum += bf16(w, 2 * (row * cols + c), powers) * x.get(xo + c);
        return sum;
    }

    /** Q8_0 block: f16 scale d, 32 × int8 q; value d·q. */
    static float q8Dot(ByteArray w, FloatArray powers, int row, int cols, FloatArray x, int xo, int lane, int lanes) {
        float sum = 0f;
        int blocks = cols / 32;
        for (int b = lane; b < blocks; b += lanes) {
            int at = (row * blocks + b) * 34;
            int xb = xo + b * 32;
            float block = 0f;
            for (int k = 0; k < 32; k++) block += w.get(at + 2 + k) * x.get(xb + k);
            sum += f16(w, at, powers) * block;
        }
        return sum;
    }

    /** Q4_0 block: f16 scale d, 16 bytes: low nibbles values 0..15, high nibbles 16..31; value d·(q−8). */
    static float q4Dot(ByteArray w, FloatArray powers, int row, int cols, FloatArray x, int xo, int lane, int lanes) {
        float sum = 0f;
        int blocks = cols / 32;
        for (int b = lane; b < blocks; b += lanes) {
            int at = (row * blocks + b) * 18;
            int xb = xo + b * 32;
            float block = 0f;
            for (int k = 0; k < 16; k++) {
                int q = w.get(at + 2 + k) & 0xFF;
                block += ((float) (q & 15) - 8f) * x.get(xb + k) + ((float) (q >> 4) - 8f) * x.get(xb + 16 + k);
            }
            sum += f16(w, at, powers) * block;
        }
        return sum;
    }

    /**
     * Q4_K block of 256: f16 d, f16 dmin, 12 bytes of 6-bit scales and mins of 8 sub-blocks, 128
     * bytes of nibbles (32 bytes per 64 values: low nibbles the first 32, high the next 32);
     * value d·scale·q − dmin·min.
     */
    static float q4kDot(ByteArray w, FloatArray powers, int row, int cols, FloatArray x, int xo, int lane, int lanes) {
        float sum = 0f;
        int blocks = cols / 256;
        for (int b = lane; b < blocks; b += lanes) {
            int at = (row * blocks + b) * 144;
            int xb = xo + b * 256;
            float d = f16(w, at, powers), dmin = f16(w, at + 2, powers);
            for (int chunk = 0; chunk < 4; chunk++) {
                int sm1 = q4kScaleMin(w, at + 4, 2 * chunk), sm2 = q4kScaleMin(w, at + 4, 2 * chunk + 1);
                float low = 0f, high = 0f, lowX = 0f, highX = 0f;
                for (int l = 0; l < 32; l++) {
                    int q = w.get(at + 16 + chunk * 32 + l) & 0xFF;
                    float x0 = x.get(xb + chunk * 64 + l), x1 = x.get(xb + chunk * 64 + 32 + l);
                    low += (q & 15) * x0;
                    high += (q >> 4) * x1;
                    lowX += x0;
                    highX += x1;
                }
                // Σ (d·sc·q − dmin·m)·x = d·sc·Σ q·x − dmin·m·Σ x, per sub-block of 32
                sum += d * (sm1 & 255) * low - dmin * (sm1 >> 8) * lowX + d * (sm2 & 255) * high - dmin * (sm2 >> 8) * highX;
            }
        }
        return sum;
    }

    /**
     * Q6_K block of 256: 128 bytes of low nibbles, 64 bytes of high 2-bit pairs, 16 int8 scales
     * (one per 16 values), f16 d; value d·scale·(q − 32).
     */
    static float q6kDot(ByteArray w, FloatArray powers, int row, int cols, FloatArray x, int xo, int lane, int lanes) {
        float sum = 0f;
        int blocks = cols / 256;
        for (int b = lane; b < blocks; b += lanes) {
            int at = (row * blocks + b) * 210;
            int xb = xo + b * 256;
            float d = f16(w, at + 208, powers);
            for (int half = 0; half < 2; half++) {
                int ql = at + half * 64, qh = at + 128 + half * 32, sc = at + 192 + half * 8;
                for (int l = 0; l < 32; l++) {
                    int low0 = w.get(ql + l) & 0xFF, low1 = w.get(ql + l + 32) & 0xFF;
                    int high = w.get(qh + l) & 0xFF;
                    int is = l / 16;
                    int xl = xb + half * 128 + l;
                    sum += d * (w.get(sc + is) * ((float) ((low0 & 15) | ((high & 3) << 4)) - 32f) * x.get(xl)
                            + w.get(sc + is + 2) * ((float) ((low1 & 15) | (((high >> 2) & 3) << 4)) - 32f) * x.get(xl + 32)
                            + w.get(sc + is + 4) * ((float) ((low0 >> 4) | (((high >> 4) & 3) << 4)) - 32f) * x.get(xl + 64)
                            + w.get(sc + is + 6) * ((float) ((low1 >> 4) | (((high >> 6) & 3) << 4)) - 32f) * x.get(xl + 96));
                }
            }
        }
        return sum;
    }
}
