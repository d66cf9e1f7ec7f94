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
    protected int blockElements() {
        return 256;
    }

    @Override
    protected int blockBytes() {
        return 210;
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
    protected float blockScale(long offset) {
        return f16(offset + D);
    }

    /** (low nibble | 2 high bits << 4) − 32, times the scale of its 16 values (at most 16 lanes: one scale). */
    @Override
    protected FloatVector part(long offset, int part) {
        int first = part * F.length();
        int half = first / 128, k = first % 128, quarter = k / 32, l = k % 32;
        ByteVector low = ByteVector.fromMemorySegment(B, data, offset + 64L * half + l + (quarter % 2) * 32, LE);
        ByteVector high = ByteVector.fromMemorySegment(B, data, offset + HIGH_BITS + 32L * half + l, LE);
        ByteVector nibble = quarter < 2 ? low.and((byte) 0xF) : low.lanewise(VectorOperators.LSHR, 4);
        ByteVector q = nibble.or(high.lanewise(VectorOperators.LSHR, 2 * quarter).and((byte) 3).lanewise(VectorOperators.LSHL, 4))
                .sub((byte) 32);
        return ((FloatVector) q.convertShape(VectorOperators.B2F, F, 0)).mul(scale(offset, 8 * half + l / 16 + 2 * quarter));
    }
}
