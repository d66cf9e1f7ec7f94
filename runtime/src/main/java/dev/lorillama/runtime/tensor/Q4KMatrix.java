package dev.lorillama.runtime.tensor;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * ggml Q4_K: super-blocks of 256 values = f16 d, f16 dmin, 12 bytes packing a 6-bit scale and a
 * 6-bit min for each of 8 sub-blocks of 32, then 128 bytes of nibbles. Values 64j..64j+31 are the
 * low nibbles of bytes 32j..32j+31 (sub-block 2j), values 64j+32.. their high nibbles (2j+1);
 * value = d·scale·q − dmin·min.
 */
public final class Q4KMatrix extends BlockQuantizedMatrix {
    private static final int SCALES = 4;
    private static final int QUANTS = 16;

    public Q4KMatrix(String name, MemorySegment data, int rows, int cols) {
        super(name, DType.Q4_K, data, rows, cols);
    }

    /** 6-bit scale of sub-block j (0..7): the first four sit in bytes 0..3, the rest are split. */
    private int scale(long offset, int j) {
        long s = offset + SCALES;
        return j < 4 ? u8(s + j) & 63 : (u8(s + j + 4) & 0xF) | ((u8(s + j - 4) >>> 6) << 4);
    }

    /** 6-bit min of sub-block j (0..7). */
    private int min(long offset, int j) {
        long s = offset + SCALES;
        return j < 4 ? u8(s + j + 4) & 63 : (u8(s + j + 4) >>> 4) | ((u8(s + j) >>> 6) << 4);
    }

    @Override
    protected int blockElements() {
        return 256;
    }

    @Override
    protected int blockBytes() {
        return 144;
    }

    @Override
    protected float decodeScalar(long offset, int i) {
        int sub = i / 32;
        int packed = u8(offset + QUANTS + (i / 64) * 32 + i % 32);
        int q = sub % 2 == 0 ? packed & 0xF : packed >>> 4;
        return f16(offset) * scale(offset, sub) * q - f16(offset + 2) * min(offset, sub);
    }

    /** Scales differ per sub-block, so {@link #part} applies them and the block factor is 1. */
    @Override
    protected float blockScale(long offset) {
        return 1f;
    }

    @Override
    protected FloatVector part(long offset, int part) {
        int first = part * F.length(), sub = first / 32;
        ByteVector packed = ByteVector.fromMemorySegment(B, data, offset + QUANTS + (first / 64) * 32 + first % 32, LE);
        ByteVector q = sub % 2 == 0 ? packed.and((byte) 0xF) : packed.lanewise(VectorOperators.LSHR, 4);
        float scale = f16(offset) * scale(offset, sub), min = f16(offset + 2) * min(offset, sub);
        return ((FloatVector) q.convertShape(VectorOperators.B2F, F, 0)).fma(scale, -min);
    }
}
