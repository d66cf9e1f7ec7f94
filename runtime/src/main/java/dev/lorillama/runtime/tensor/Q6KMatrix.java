package dev.lorillama.runtime.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * ggml Q6_K: super-blocks of 256 values = 128 bytes of low nibbles (ql), 64 bytes of 2-bit high
 * parts (qh), 16 signed 8-bit scales (one per 16 values), f16 d. Each half of 128 values uses 64
 * bytes of ql and 32 of qh: for l < 32, value l takes ql[l] low nibble and qh[l] bits 0-1, value
 * l+32 ql[l+32] low and bits 2-3, value l+64 ql[l] high and bits 4-5, value l+96 ql[l+32] high
 * and bits 6-7; value = d·scale·(q − 32).
 */
public final class Q6KMatrix extends BlockQuantizedMatrix {
    static final int BLOCK = 256;
    private static final int HIGH_BITS = 128;
    private static final int SCALES = 192;
    private static final int D = 208;

    public Q6KMatrix(String name, MemorySegment data, int rows, int cols) {
        super(name, DType.Q6_K, data, rows, cols);
    }

    private int scale(long offset, int j) {
        return data.get(ValueLayout.JAVA_BYTE, offset + SCALES + j);
    }

    @Override
    protected float decodeScalar(long offset, int i) {
        int half = i / 128, k = i % 128, quarter = k / 32, l = k % 32;
        int low = u8(offset + 64L * half + l + (quarter % 2) * 32);
        int lowNibble = quarter < 2 ? low & 0xF : low >>> 4;
        int high = (u8(offset + HIGH_BITS + 32L * half + l) >>> (2 * quarter)) & 3;
        int q = (lowNibble | high << 4) - 32;
        return f16(offset + D) * scale(offset, 8 * half + l / 16 + 2 * quarter) * q;
    }

    @Override
    protected void decodeBlock(long offset, float[] out, int oo) {
        float d = f16(offset + D);
        for (int half = 0; half < 2; half++) {
            long ql = offset + 64L * half, qh = offset + HIGH_BITS + 32L * half;
            int sc = 8 * half, o = oo + 128 * half;
            for (int l = 0; l < 32; l += F.length()) {
                ByteVector lowA = ByteVector.fromMemorySegment(B, data, ql + l, LE);
                ByteVector lowB = ByteVector.fromMemorySegment(B, data, ql + 32 + l, LE);
                ByteVector high = ByteVector.fromMemorySegment(B, data, qh + l, LE);
                int is = sc + l / 16;
                store(lowA.and((byte) 0xF), high, 0, d * scale(offset, is), out, o + l);
                store(lowB.and((byte) 0xF), high, 2, d * scale(offset, is + 2), out, o + 32 + l);
                store(lowA.lanewise(VectorOperators.LSHR, 4), high, 4, d * scale(offset, is + 4), out, o + 64 + l);
                store(lowB.lanewise(VectorOperators.LSHR, 4), high, 6, d * scale(offset, is + 6), out, o + 96 + l);
            }
        }
    }

    /** (low | ((high >> shift) & 3) << 4) − 32, widened and scaled. */
    private static void store(ByteVector lowNibbles, ByteVector high, int shift, float scale, float[] out, int at) {
        ByteVector q = lowNibbles.or(high.lanewise(VectorOperators.LSHR, shift).and((byte) 3).lanewise(VectorOperators.LSHL, 4))
                .sub((byte) 32);
        ((FloatVector) q.convertShape(VectorOperators.B2F, F, 0)).mul(scale).intoArray(out, at);
    }
}
