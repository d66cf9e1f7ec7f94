package dev.lorillama.runtime.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;

/**
 * Test-only builder of valid stored matrices with random contents: any bytes are valid quants,
 * so blocks are random bytes whose f16 scale fields are overwritten with small, finite scales.
 * (K-quants cannot be written by the converter; this is how their kernels get exercised.)
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
            switch (type) {
                case Q8_0, Q4_0 -> putF16(out, at, scale(random, 0.05f * scaleFactor));
                case Q4_K -> {
                    putF16(out, at, scale(random, 0.02f * scaleFactor));
                    putF16(out, at + 2, scale(random, 0.02f * scaleFactor));
                }
                case Q6_K -> putF16(out, at + 208, scale(random, 0.002f * scaleFactor));
                default -> throw new IllegalArgumentException(type.toString());
            }
        }
        return out;
    }

    public static WeightMatrix matrix(DType type, int rows, int cols, long seed) {
        MemorySegment segment = Arena.ofAuto().allocate(type.byteSize((long) rows * cols), 64);
        segment.copyFrom(MemorySegment.ofArray(bytes(type, rows, cols, seed)));
        return WeightMatrices.of(new dev.lorillama.runtime.format.TensorData("w", type, new long[] {rows, cols}, segment,
                java.nio.file.Path.of("random")));
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
