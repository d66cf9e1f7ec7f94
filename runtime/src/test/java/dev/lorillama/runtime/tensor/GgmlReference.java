package dev.lorillama.runtime.tensor;

/**
 * ggml's scalar dequantization of whole rows, transcribed loop for loop from the format's
 * definition (block structs and dequantize_row_*), independent of the matrix classes. Used to
 * check their element decoder {@code get(row, col)}.
 */
final class GgmlReference {
    private GgmlReference() {}

    static float[] dequantizeRow(DType type, byte[] b, int rowStart, int cols) {
        float[] y = new float[cols];
        int nb = cols / type.blockElements();
        for (int i = 0; i < nb; i++) {
            int x = rowStart + i * type.blockBytes();
            int yo = i * type.blockElements();
            switch (type) {
                case Q8_0 -> {
                    float d = f16(b, x);
                    for (int j = 0; j < 32; j++) y[yo + j] = b[x + 2 + j] * d;
                }
                case Q4_0 -> {
                    float d = f16(b, x);
                    for (int j = 0; j < 16; j++) {
                        int x0 = (b[x + 2 + j] & 0x0F) - 8;
                        int x1 = ((b[x + 2 + j] & 0xFF) >> 4) - 8;
                        y[yo + j] = x0 * d;
                        y[yo + j + 16] = x1 * d;
                    }
                }
                case Q4_K -> {
                    float d = f16(b, x), min = f16(b, x + 2);
                    int scales = x + 4, q = x + 16, is = 0, at = yo;
                    for (int j = 0; j < 256; j += 64) {
                        int[] sm = scaleMinK4(is, b, scales);
                        float d1 = d * sm[0], m1 = min * sm[1];
                        sm = scaleMinK4(is + 1, b, scales);
                        float d2 = d * sm[0], m2 = min * sm[1];
                        for (int l = 0; l < 32; ++l) y[at++] = d1 * (b[q + l] & 0xF) - m1;
                        for (int l = 0; l < 32; ++l) y[at++] = d2 * ((b[q + l] & 0xFF) >> 4) - m2;
                        q += 32;
                        is += 2;
                    }
                }
                case Q6_K -> {
                    float d = f16(b, x + 208);
                    int ql = x, qh = x + 128, sc = x + 192, at = yo;
                    for (int n = 0; n < 256; n += 128) {
                        for (int l = 0; l < 32; ++l) {
                            int is = l / 16;
                            int q1 = ((b[ql + l] & 0xF) | (((b[qh + l] >> 0) & 3) << 4)) - 32;
                            int q2 = ((b[ql + l + 32] & 0xF) | (((b[qh + l] >> 2) & 3) << 4)) - 32;
                            int q3 = (((b[ql + l] & 0xFF) >> 4) | (((b[qh + l] >> 4) & 3) << 4)) - 32;
                            int q4 = (((b[ql + l + 32] & 0xFF) >> 4) | (((b[qh + l] >> 6) & 3) << 4)) - 32;
                            y[at + l] = d * b[sc + is] * q1;
                            y[at + l + 32] = d * b[sc + is + 2] * q2;
                            y[at + l + 64] = d * b[sc + is + 4] * q3;
                            y[at + l + 96] = d * b[sc + is + 6] * q4;
                        }
                        at += 128;
                        ql += 64;
                        qh += 32;
                        sc += 8;
                    }
                }
                default -> throw new IllegalArgumentException(type.toString());
            }
        }
        return y;
    }

    private static int[] scaleMinK4(int j, byte[] b, int q) {
        if (j < 4) return new int[] {b[q + j] & 63, b[q + j + 4] & 63};
        return new int[] {
                (b[q + j + 4] & 0xF) | (((b[q + j - 4] & 0xFF) >> 6) << 4),
                ((b[q + j + 4] & 0xFF) >> 4) | (((b[q + j] & 0xFF) >> 6) << 4)};
    }

    private static float f16(byte[] b, int at) {
        return Float.float16ToFloat((short) ((b[at] & 0xFF) | (b[at + 1] << 8)));
    }
}
