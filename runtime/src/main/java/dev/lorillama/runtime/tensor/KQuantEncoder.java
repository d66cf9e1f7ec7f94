package dev.lorillama.runtime.tensor;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * llama.cpp's quantizers for Q4_K, Q5_K and Q6_K as llama-quantize runs them without an
 * importance matrix ({@code quantize_row_q4_K_ref}, {@code _q5_K_ref}, {@code _q6_K_ref} and their
 * scale searches {@code make_qkx2_quants}, {@code make_qx_quants} in ggml-quants.c), operation for
 * operation in float, so that the same weights give the same blocks. Block layouts are in
 * {@link Q4KMatrix}, {@link Q5KMatrix} and {@link Q6KMatrix}.
 */
final class KQuantEncoder {
    private static final float GROUP_MAX_EPS = 1e-15f;

    private KQuantEncoder() {}

    /** Q4_K: d, dmin (f16), 12 bytes of 6-bit scales and mins, 128 bytes of 4-bit levels. */
    static void quantizeQ4K(float[] x, int from, byte[] out, int at) {
        byte[] levels = new byte[256];
        scalesAndMins(x, from, 15, -1f, 20, levels, out, at);
        for (int j = 0; j < 256; j += 64) {
            for (int l = 0; l < 32; l++) out[at + 16 + j / 2 + l] = (byte) (levels[j + l] | levels[j + l + 32] << 4);
        }
    }

    /** Q5_K: as Q4_K with 5-bit levels, the fifth bits in 32 bytes before the low nibbles. */
    static void quantizeQ5K(float[] x, int from, byte[] out, int at) {
        byte[] levels = new byte[256];
        scalesAndMins(x, from, 31, -0.5f, 15, levels, out, at);
        int qh = at + 16, ql = at + 48;
        Arrays.fill(out, qh, qh + 32, (byte) 0);
        int m1 = 1, m2 = 2;
        for (int n = 0; n < 256; n += 64) {
            for (int j = 0; j < 32; j++) {
                int l1 = levels[n + j], l2 = levels[n + j + 32];
                if (l1 > 15) {
                    l1 -= 16;
                    out[qh + j] |= (byte) m1;
                }
                if (l2 > 15) {
                    l2 -= 16;
                    out[qh + j] |= (byte) m2;
                }
                out[ql + j] = (byte) (l1 | l2 << 4);
            }
            m1 <<= 2;
            m2 <<= 2;
            ql += 32;
        }
    }

    /** Q6_K: 128 bytes of low nibbles, 64 of high 2-bit pairs, 16 signed 8-bit scales, d (f16). */
    static void quantizeQ6K(float[] x, int from, byte[] out, int at) {
        byte[] levels = new byte[256];
        float[] scales = new float[16];
        float maxScale = 0, maxAbsScale = 0;
        for (int ib = 0; ib < 16; ib++) {
            float scale = symmetricScale(x, from + 16 * ib, levels, 16 * ib);
            scales[ib] = scale;
            if (Math.abs(scale) > maxAbsScale) {
                maxAbsScale = Math.abs(scale);
                maxScale = scale;
            }
        }
        if (maxAbsScale < GROUP_MAX_EPS) {
            Arrays.fill(out, at, at + 210, (byte) 0);
            return;
        }
        float iscale = -128f / maxScale;
        short d = Float.floatToFloat16(1 / iscale);
        putShort(out, at + 208, d);
        for (int ib = 0; ib < 16; ib++) out[at + 192 + ib] = (byte) Math.min(127, nearestInt(iscale * scales[ib]));
        for (int j = 0; j < 16; j++) {
            float dj = Float.float16ToFloat(d) * out[at + 192 + j];
            if (dj == 0) continue;
            for (int ii = 0; ii < 16; ii++) {
                int l = nearestInt(x[from + 16 * j + ii] / dj);
                levels[16 * j + ii] = (byte) (Math.max(-32, Math.min(31, l)) + 32);
            }
        }
        int ql = at, qh = at + 128;
        for (int j = 0; j < 256; j += 128) {
            for (int l = 0; l < 32; l++) {
                int q1 = levels[j + l], q2 = levels[j + l + 32], q3 = levels[j + l + 64], q4 = levels[j + l + 96];
                out[ql + l] = (byte) ((q1 & 0xF) | (q3 & 0xF) << 4);
                out[ql + l + 32] = (byte) ((q2 & 0xF) | (q4 & 0xF) << 4);
                out[qh + l] = (byte) ((q1 >> 4) | (q2 >> 4) << 2 | (q3 >> 4) << 4 | (q4 >> 4) << 6);
            }
            ql += 64;
            qh += 32;
        }
    }

    /**
     * The part Q4_K and Q5_K share: a scale and a min per 32 values found by make_qkx2_quants,
     * both rounded to 6 bits against the super-block's largest, then the levels recomputed from
     * the rounded ones. Writes d, dmin and the 12 scale bytes; leaves the levels in {@code levels}.
     */
    private static void scalesAndMins(float[] x, int from, int nmax, float rmin, int nstep, byte[] levels, byte[] out, int at) {
        float[] scales = new float[8], mins = new float[8], weights = new float[32];
        byte[] aux = new byte[32];
        float maxScale = 0, maxMin = 0;
        for (int j = 0; j < 8; j++) {
            int base = from + 32 * j;
            float sumX2 = 0;
            for (int l = 0; l < 32; l++) sumX2 += x[base + l] * x[base + l];
            float avX = (float) Math.sqrt(sumX2 / 32);
            for (int l = 0; l < 32; l++) weights[l] = avX + Math.abs(x[base + l]);
            scales[j] = scaleAndMin(nmax, x, base, weights, levels, 32 * j, mins, j, aux, rmin, nstep);
            if (scales[j] > maxScale) maxScale = scales[j];
            if (mins[j] > maxMin) maxMin = mins[j];
        }
        float invScale = maxScale > 0 ? 63f / maxScale : 0f;
        float invMin = maxMin > 0 ? 63f / maxMin : 0f;
        Arrays.fill(out, at + 4, at + 16, (byte) 0);
        for (int j = 0; j < 8; j++) {
            int ls = Math.min(63, nearestInt(invScale * scales[j]) & 0xFF);
            int lm = Math.min(63, nearestInt(invMin * mins[j]) & 0xFF);
            if (j < 4) {
                out[at + 4 + j] = (byte) ls;
                out[at + 4 + j + 4] = (byte) lm;
            } else {
                out[at + 4 + j + 4] = (byte) ((ls & 0xF) | (lm & 0xF) << 4);
                out[at + 4 + j - 4] |= (byte) ((ls >> 4) << 6);
                out[at + 4 + j] |= (byte) ((lm >> 4) << 6);
            }
        }
        short d = Float.floatToFloat16(maxScale / 63f), dmin = Float.floatToFloat16(maxMin / 63f);
        putShort(out, at, d);
        putShort(out, at + 2, dmin);
        long packedScales = KScaleMins.scales(MemorySegment.ofArray(out), at + 4);
        long packedMins = KScaleMins.mins(MemorySegment.ofArray(out), at + 4);
        for (int j = 0; j < 8; j++) {
            int sc = (int) (packedScales >>> 8 * j) & 0xFF, m = (int) (packedMins >>> 8 * j) & 0xFF;
            float dj = Float.float16ToFloat(d) * sc;
            if (dj == 0) continue;
            float dm = Float.float16ToFloat(dmin) * m;
            for (int ii = 0; ii < 32; ii++) {
                int l = nearestInt((x[from + 32 * j + ii] + dm) / dj);
                levels[32 * j + ii] = (byte) Math.max(0, Math.min(nmax, l));
            }
        }
    }

    /**
     * make_qkx2_quants (squared error, rdelta 0.1): levels {@code 0..nmax} for {@code n = 32}
     * values as {@code scale·l − min}, searching {@code nstep + 1} scales around the range's.
     * Returns the scale; stores the (positive) min in {@code mins[minAt]}.
     */
    private static float scaleAndMin(int nmax, float[] x, int from, float[] weights, byte[] levels, int at,
                                     float[] mins, int minAt, byte[] aux, float rmin, int nstep) {
        int n = 32;
        float min = x[from], max = x[from];
        float sumW = weights[0];
        float sumX = sumW * x[from];
        for (int i = 1; i < n; i++) {
            float v = x[from + i];
            if (v < min) min = v;
            if (v > max) max = v;
            sumW += weights[i];
            sumX += weights[i] * v;
        }
        if (min > 0) min = 0;
        if (max == min) {
            for (int i = 0; i < n; i++) levels[at + i] = 0;
            mins[minAt] = -min;
            return 0f;
        }
        float iscale = nmax / (max - min);
        float scale = 1 / iscale;
        float bestError = 0;
        for (int i = 0; i < n; i++) {
            int l = Math.max(0, Math.min(nmax, nearestInt(iscale * (x[from + i] - min))));
            levels[at + i] = (byte) l;
            float diff = scale * l + min - x[from + i];
            bestError += weights[i] * (diff * diff);
        }
        for (int is = 0; is <= nstep; is++) {
            iscale = (rmin + 0.1f * is + nmax) / (max - min);
            float sumL = 0, sumL2 = 0, sumXL = 0;
            for (int i = 0; i < n; i++) {
                int l = Math.max(0, Math.min(nmax, nearestInt(iscale * (x[from + i] - min))));
                aux[i] = (byte) l;
                float w = weights[i];
                sumL += w * l;
                sumL2 += w * l * l;
                sumXL += w * l * x[from + i];
            }
            float det = sumW * sumL2 - sumL * sumL;
            if (det > 0) {
                float thisScale = (sumW * sumXL - sumX * sumL) / det;
                float thisMin = (sumL2 * sumX - sumL * sumXL) / det;
                if (thisMin > 0) {
                    thisMin = 0;
                    thisScale = sumXL / sumL2;
                }
                float error = 0;
                for (int i = 0; i < n; i++) {
                    float diff = thisScale * aux[i] + thisMin - x[from + i];
                    error += weights[i] * (diff * diff);
                }
                if (error < bestError) {
                    System.arraycopy(aux, 0, levels, at, n);
                    bestError = error;
                    scale = thisScale;
                    min = thisMin;
                }
            }
        }
        mins[minAt] = -min;
        return scale;
    }

    /**
     * make_qx_quants with weights x² (rmse_type 1), nmax 32, n 16: levels {@code l + 32} for
     * {@code l ∈ [−32, 31]}, the scale searched over 18 values around amax's. Returns the scale.
     */
    private static float symmetricScale(float[] x, int from, byte[] levels, int at) {
        int n = 16, nmax = 32;
        float max = 0, amax = 0;
        for (int i = 0; i < n; i++) {
            float ax = Math.abs(x[from + i]);
            if (ax > amax) {
                amax = ax;
                max = x[from + i];
            }
        }
        if (amax < GROUP_MAX_EPS) {
            for (int i = 0; i < n; i++) levels[at + i] = 0;
            return 0f;
        }
        float iscale = -nmax / max;
        float sumLX = 0, sumL2 = 0;
        for (int i = 0; i < n; i++) {
            float v = x[from + i];
            int l = Math.max(-nmax, Math.min(nmax - 1, nearestInt(iscale * v)));
            levels[at + i] = (byte) (l + nmax);
            float w = v * v;
            sumLX += w * v * l;
            sumL2 += w * l * l;
        }
        float scale = sumL2 != 0 ? sumLX / sumL2 : 0f;
        float best = scale * sumLX;
        for (int is = -9; is <= 9; is++) {
            if (is == 0) continue;
            iscale = -(nmax + 0.1f * is) / max;
            sumLX = 0;
            sumL2 = 0;
            for (int i = 0; i < n; i++) {
                float v = x[from + i];
                int l = Math.max(-nmax, Math.min(nmax - 1, nearestInt(iscale * v)));
                float w = v * v;
                sumLX += w * v * l;
                sumL2 += w * l * l;
            }
            if (sumL2 > 0 && sumLX * sumLX > best * sumL2) {
                for (int i = 0; i < n; i++) {
                    int l = Math.max(-nmax, Math.min(nmax - 1, nearestInt(iscale * x[from + i])));
                    levels[at + i] = (byte) (l + nmax);
                }
                scale = sumLX / sumL2;
                best = scale * sumLX;
            }
        }
        return scale;
    }

    /** ggml's nearest_int: round half to even through the bits of {@code v + 1.5·2^23} (|v| < 2^22). */
    static int nearestInt(float v) {
        return (Float.floatToRawIntBits(v + 12582912f) & 0x007fffff) - 0x00400000;
    }

    private static void putShort(byte[] out, int at, short v) {
        out[at] = (byte) v;
        out[at + 1] = (byte) (v >>> 8);
    }
}
