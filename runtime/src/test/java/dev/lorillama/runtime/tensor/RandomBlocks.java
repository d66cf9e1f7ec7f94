package dev.lorillama.runtime.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;

/**
 * Test-only builder of valid stored matrices with random contents: any bytes are valid quants,
 * so blocks are random bytes whose f16 scale fields are overwritten with small, finite scales.
 * (The converter writes only some block types, and none with extreme scales; this is how every
 * kernel gets exercised on any block.)
 */
public final class RandomBlocks {
    private RandomBlocks() {}

    /** A {@code rows × cols} matrix of {@code type} with random contents, in a heap segment. */
    public static byte[] bytes(DType type, int rows, int cols, long seed) {
        return bytes(type, rows, cols, seed, 1f);
    }

    /** As {@link #bytes(DType, int, int, long)}, with every block scale multiplied by {@code scaleFactor}. */
    public static byte[] bytes(DType type, int rows, int cols, long seed, float scaleFactor) {
        Random random = new Random(seed);
        long elements = (long) rows * cols;
        if (!type.isBlockQuantized()) {
            float[] values = new float[(int) elements];
            for (int i = 0; i < values.length; i++) values[i] = (float) random.nextGaussian() * scaleFactor;
            byte[] out = new byte[(int) type.byteSize(elements)];
            TensorEncoder.encode(type, values, 0, values.length, out, 0);
            return out;
        }
        byte[] out = new byte[(int) type.byteSize(elements)];
        random.nextBytes(out);
        for (int at = 0; at < out.length; at += type.blockBytes()) {
            for (int field : f16Fields(type)) putF16(out, at + field, scale(random, scaleMagnitude(type) * scaleFactor));
        }
        return out;
    }

    public static WeightMatrix matrix(DType type, int rows, int cols, long seed) {
        MemorySegment segment = Arena.ofAuto().allocate(type.byteSize((long) rows * cols), 64);
        segment.copyFrom(MemorySegment.ofArray(bytes(type, rows, cols, seed)));
        return WeightMatrices.of(new dev.lorillama.runtime.format.TensorData("w", type, new long[] {rows, cols}, segment,
                java.nio.file.Path.of("random")));
    }

    /** Byte offsets of a block's f16 fields (scales, offsets, mins), as the format files say. */
    static int[] f16Fields(DType type) {
        return switch (type) {
            case Q8_0, Q4_0, Q5_0, IQ4_NL, IQ4_XS -> new int[] {0};
            case Q4_1, Q5_1, Q4_K, Q5_K -> new int[] {0, 2};
            case Q2_K -> new int[] {80, 82};
            case Q3_K -> new int[] {108};
            case Q6_K -> new int[] {208};
            default -> throw new IllegalArgumentException(type.toString());
        };
    }

    /** Scales that keep decoded weights around 0.05-1 (so products and sums stay ordinary floats). */
    private static float scaleMagnitude(DType type) {
        return switch (type) {
            case Q8_0, Q4_0, Q4_1, Q5_0, Q5_1 -> 0.05f;
            case Q2_K, Q4_K, Q5_K -> 0.02f;
            case Q3_K -> 0.005f;
            case Q6_K, IQ4_NL -> 0.002f;
            case IQ4_XS -> 0.0005f;
            default -> throw new IllegalArgumentException(type.toString());
        };
    }

    private static float scale(Random random, float magnitude) {
        return (random.nextFloat() * 2 - 1) * magnitude;
    }

    private static void putF16(byte[] out, int at, float v) {
        short h = Float.floatToFloat16(v);
        out[at] = (byte) h;
        out[at + 1] = (byte) (h >>> 8);
    }
}
