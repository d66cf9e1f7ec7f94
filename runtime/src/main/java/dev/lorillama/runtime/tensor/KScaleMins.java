package dev.lorillama.runtime.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The 12 bytes in which Q4_K and Q5_K pack a 6-bit scale and a 6-bit min for each of their 8
 * sub-blocks, unpacked in registers from three little-endian ints as ggml does (byte loads
 * from the mapping, each bounds-checked, cost more than this arithmetic): scales 0..3 are the
 * low 6 bits of bytes 0..3, mins 0..3 of bytes 4..7; scales 4..7 take their low 4 bits from the
 * low nibbles of bytes 8..11 and their top 2 from the top bits of bytes 0..3, mins 4..7 the high
 * nibbles of bytes 8..11 and the top bits of bytes 4..7. Each result holds one 6-bit value per byte.
 */
final class KScaleMins {
    private static final ValueLayout.OfLong LE_LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt LE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Bytes per super-block once unpacked ({@link #unpackAll}): 8 scales, then 8 mins. */
    static final int UNPACKED = 16;

    private KScaleMins() {}

    /**
     * The scales and mins of {@code count} super-blocks of {@code blockBytes} bytes each, whose
     * packing starts {@code at} bytes into the block, unpacked once at load: 8 scales then 8 mins
     * per super-block, one 6-bit value per byte — what the decode kernels read instead of
     * unpacking the 12 bytes again for every token.
     */
    static byte[] unpackAll(MemorySegment data, long count, int blockBytes, int at) {
        if (count * UNPACKED > Integer.MAX_VALUE - 8) throw new IllegalArgumentException("matrix too large: " + count + " super-blocks");
        byte[] unpacked = new byte[(int) count * UNPACKED];
        MemorySegment out = MemorySegment.ofArray(unpacked);
        for (long b = 0, offset = at; b < count; b++, offset += blockBytes) {
            out.set(LE_LONG, b * UNPACKED, scales(data, offset));
            out.set(LE_LONG, b * UNPACKED + 8, mins(data, offset));
        }
        return unpacked;
    }

    /**
     * The first pass of the Q4_K and Q5_K decode kernels over a row of {@code blocks}
     * super-blocks from byte {@code offset} (d at byte 0, dmin at 2), whose scales and mins
     * {@link #unpackAll} wrote to {@code unpacked} from index {@code side}: each super-block's
     * sixteen become floats in one vector conversion, the scales times d go to
     * {@code scales[8b ..]}, and the mins meet the activations' {@link ActivationSums#facingMins}
     * lane by lane (from {@code sums[sumsAt]}). Returns Σ dmin·min·(Σ x) over the row, the part the kernel subtracts.
     */
    static float floatScales(MemorySegment data, long offset, int blocks, int blockBytes, byte[] unpacked, int side,
            float[] sums, int sumsAt, float[] scales) {
        VectorSpecies<Float> f = BlockQuantizedMatrix.F;
        FloatVector mins = FloatVector.zero(f);
        for (int b = 0; b < blocks; b++, side += UNPACKED) {
            long at = offset + (long) b * blockBytes;
            float d = Float.float16ToFloat(data.get(LE_SHORT, at)), dmin = Float.float16ToFloat(data.get(LE_SHORT, at + 2));
            for (int part = 0; part < UNPACKED; part += f.length()) {
                FloatVector values = (FloatVector) ByteVector.fromArray(BlockQuantizedMatrix.B, unpacked, side + part)
                        .convertShape(VectorOperators.B2F, f, 0);
                if (part < 8) values.mul(d).intoArray(scales, 8 * b + part);
                mins = values.mul(FloatVector.fromArray(f, sums, sumsAt + UNPACKED * b + part)).fma(FloatVector.broadcast(f, dmin), mins);
            }
        }
        return mins.reduceLanes(VectorOperators.ADD);
    }

    /** The eight scales of the packing at byte {@code at} of {@code data}. */
    static long scales(MemorySegment data, long at) {
        return scales(data.get(LE_INT, at), data.get(LE_INT, at + 8));
    }

    /** The eight mins of the packing at byte {@code at} of {@code data}. */
    static long mins(MemorySegment data, long at) {
        return mins(data.get(LE_INT, at + 4), data.get(LE_INT, at + 8));
    }

    /** The eight scales, from bytes 0..3 ({@code b0}) and 8..11 ({@code b8}) of the packing. */
    static long scales(int b0, int b8) {
        long first = b0 & 0x3F3F3F3F, last = (b8 & 0x0F0F0F0F) | (((b0 >>> 6) & 0x03030303) << 4);
        return first | last << 32;
    }

    /** The eight mins, from bytes 4..7 ({@code b4}) and 8..11 ({@code b8}) of the packing. */
    static long mins(int b4, int b8) {
        long first = b4 & 0x3F3F3F3F, last = ((b8 >>> 4) & 0x0F0F0F0F) | (((b4 >>> 6) & 0x03030303) << 4);
        return first | last << 32;
    }

    /** Entry {@code j} (0..7) of {@link #scales} or {@link #mins}. */
    static int entry(long packed, int j) {
        return (int) (packed >>> (8 * j)) & 0xFF;
    }
}
