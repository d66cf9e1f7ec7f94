package dev.lorillama.runtime.tensor;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * ggml Q3_K: super-blocks of 256 values = 32 bytes hmask, 64 bytes of 2-bit quants, 12 bytes
 * packing 16 six-bit scales (one per 16 values), f16 d. Each half of 128 values uses 32 bytes of
 * quants: value 32·j + l of the half (j < 4, l < 32) takes bits 2j, 2j+1 of byte l and, as its
 * third bit, bit 4·half + j of hmask[l]; its scale is number 8·half + 2·j + l/16. Scale k has its
 * low 4 bits in nibble k/8 of byte k%8 and its high 2 bits in bits 2·(k/4) of byte 8 + k%4.
 * value = d·(scale − 32)·(q − 4), q the 3-bit number.
 */
public final class Q3KMatrix extends BlockQuantizedMatrix {
    private static final int BLOCK = 256;
    private static final int BYTES = 110;
    private static final int QUANTS = 32;
    private static final int SCALES = 96;
    private static final int D = 108;

    public Q3KMatrix(String name, MemorySegment data, int rows, int cols) {
        super(name, DType.Q3_K, data, rows, cols);
    }

    /**
     * Scales 8·which .. 8·which+7 of the super-block at {@code offset}, one per byte (minus 32 not
     * yet applied), unpacked from three ints as ggml does.
     */
    private long scales(long offset, int which) {
        int a0 = data.get(LE_INT, offset + SCALES), a1 = data.get(LE_INT, offset + SCALES + 4);
        int high = data.get(LE_INT, offset + SCALES + 8) >>> (4 * which);
        long first = ((a0 >>> (4 * which)) & 0x0F0F0F0F) | ((high & 0x03030303) << 4);
        long last = ((a1 >>> (4 * which)) & 0x0F0F0F0F) | (((high >>> 2) & 0x03030303) << 4);
        return (first & 0xFFFFFFFFL) | last << 32;
    }

    private static int scale(long scales, int k) {
        return ((int) (scales >>> (8 * k)) & 0xFF) - 32;
    }

    @Override
    protected float decodeScalar(long offset, int i) {
        int half = i / 128, j = i % 128 / 32, l = i % 32;
        int low = (u8(offset + QUANTS + 32 * half + l) >>> (2 * j)) & 3;
        int third = (u8(offset + l) >>> (4 * half + j)) & 1;
        int k = 8 * half + 2 * j + l / 16;
        return f16(offset + D) * scale(scales(offset, k / 8), k % 8) * (low - (third == 1 ? 0 : 4));
    }

    /**
     * Values of quarter {@code j} of a half: q − 4 as floats, for the {@code L} values whose low
     * bits are in the bytes at {@code at} and whose third bits are bit {@code bit} of the bytes at {@code mask}.
     */
    private FloatVector values(long at, int j, long mask, int bit) {
        return (FloatVector) quants(at, j, mask, bit).convertShape(VectorOperators.I2F, F, 0);
    }

    private IntVector quants(long at, int j, long mask, int bit) {
        return lowBits(at, j).or(thirdBits(mask, bit)).sub(4);
    }

    /** Bits 2j, 2j+1 of the {@code L} bytes at {@code at}. */
    private IntVector lowBits(long at, int j) {
        return widen(at).lanewise(VectorOperators.LSHR, 2 * j).and(3);
    }

    /** Bit {@code bit} of the {@code L} bytes at {@code at}, as 4 or 0. */
    private IntVector thirdBits(long at, int bit) {
        return widen(at).lanewise(VectorOperators.LSHR, bit).and(1).lanewise(VectorOperators.LSHL, 2);
    }

    /** Products summed per sub-block of 16 and scaled once; two accumulators take turns. */
    @Override
    protected float dotRow(long offset, float[] x, int xo) {
        FloatVector recent = FloatVector.zero(F), older = recent;
        for (int b = 0; b < blocks; b++, offset += BYTES, xo += BLOCK) {
            float d = f16(offset + D);
            for (int half = 0; half < 2; half++) {
                long scales = scales(offset, half);
                for (int s = 0; s < 8; s++) {
                    int l = 16 * (s % 2), xs = xo + 128 * half + 16 * s, j = s / 2;
                    long at = offset + QUANTS + 32L * half + l, mask = offset + l;
                    FloatVector sum = values(at, j, mask, 4 * half + j).mul(FloatVector.fromArray(F, x, xs));
                    for (int p = F.length(); p < 16; p += F.length()) {
                        sum = values(at + p, j, mask + p, 4 * half + j).fma(FloatVector.fromArray(F, x, xs + p), sum);
                    }
                    FloatVector next = sum.fma(FloatVector.broadcast(F, d * scale(scales, s)), older);
                    older = recent;
                    recent = next;
                }
            }
        }
        return recent.add(older).reduceLanes(VectorOperators.ADD);
    }

    @Override
    protected void decodeRow(long offset, float[] dst, int at) {
        for (int b = 0; b < blocks; b++, offset += BYTES, at += BLOCK) {
            float d = f16(offset + D);
            for (int half = 0; half < 2; half++) {
                long scales = scales(offset, half);
                for (int s = 0; s < 8; s++) {
                    float dl = d * scale(scales, s);
                    int l = 16 * (s % 2), j = s / 2;
                    for (int p = 0; p < 16; p += F.length()) {
                        values(offset + QUANTS + 32L * half + l + p, j, offset + l + p, 4 * half + j).mul(dl)
                                .intoArray(dst, at + 128 * half + 16 * s + p);
                    }
                }
            }
        }
    }
}
