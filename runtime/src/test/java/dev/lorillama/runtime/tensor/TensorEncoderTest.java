package dev.lorillama.runtime.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The quantizers round exactly as llama.cpp's reference quantizers do. */
class TensorEncoderTest {

    @Test
    void q8_0UsesAmaxOver127AndRoundsHalvesAwayFromZero() {
        float[] x = new float[32];
        x[0] = 127f;     // amax: d = 1
        x[1] = 2.5f;     // → 3 (Math.round would also give 3)
        x[2] = -2.5f;    // → −3 (Math.round would give −2)
        x[3] = -127f;
        x[4] = 0.49f;
        byte[] out = new byte[34];
        TensorEncoder.encode(DType.Q8_0, x, 0, 32, out, 0);
        assertEquals(1f, Float.float16ToFloat((short) ((out[0] & 0xFF) | out[1] << 8)));
        assertEquals(127, out[2]);
        assertEquals(3, out[3]);
        assertEquals(-3, out[4]);
        assertEquals(-127, out[5]);
        assertEquals(0, out[6]);
    }

    @Test
    void q4_0UsesSignedMaxOverMinus8AndTruncatesAfterAdding8_5() {
        float[] x = new float[32];
        x[0] = -8f;   // largest magnitude, negative: d = 1, q = 0
        x[1] = 7.9f;  // 7.9 + 8.5 = 16.4 → 16 → clamped to 15
        x[2] = 0.4f;  // 8.9 → 8
        x[16] = -0.6f; // 7.9 → 7, high nibble of byte 0
        byte[] out = new byte[18];
        TensorEncoder.encode(DType.Q4_0, x, 0, 32, out, 0);
        assertEquals(1f, Float.float16ToFloat((short) ((out[0] & 0xFF) | out[1] << 8)));
        assertEquals(0, out[2] & 0xF);
        assertEquals(7, (out[2] & 0xFF) >> 4);
        assertEquals(15, out[3] & 0xF);
        assertEquals(8, out[4] & 0xF);
    }

    @Test
    void q4_1UsesTheRangeOver15FromTheMinimumAndTruncatesAfterAddingAHalf() {
        float[] x = new float[32];
        java.util.Arrays.fill(x, 0.9f); // (0.9 + 1) + 0.5 = 2.4 → 2
        x[0] = -1f;   // minimum: m = −1, q = 0
        x[1] = 2.4f;  // 3.4 + 0.5 = 3.9 → 3
        x[2] = 2.6f;  // 3.6 + 0.5 = 4.1 → 4
        x[16] = 14f;  // maximum: d = 15/15 = 1, 15.5 → 15 (high nibble of byte 0)
        byte[] out = new byte[20];
        TensorEncoder.encode(DType.Q4_1, x, 0, 32, out, 0);
        assertEquals(1f, Float.float16ToFloat((short) ((out[0] & 0xFF) | out[1] << 8)));
        assertEquals(-1f, Float.float16ToFloat((short) ((out[2] & 0xFF) | out[3] << 8)));
        assertEquals(0, out[4] & 0xF);
        assertEquals(15, (out[4] & 0xFF) >> 4);
        assertEquals(3, out[5] & 0xF);
        assertEquals(4, out[6] & 0xF);
        assertEquals(2, out[7] & 0xF);
    }

    @Test
    void roundTripErrorStaysWithinHalfAStep() {
        Random random = new Random(5);
        float[] x = new float[256];
        for (int i = 0; i < x.length; i++) x[i] = (float) random.nextGaussian();
        for (DType type : new DType[] {DType.Q8_0, DType.Q4_0, DType.Q4_1, DType.F16, DType.BF16}) {
            byte[] out = new byte[(int) type.byteSize(x.length)];
            TensorEncoder.encode(type, x, 0, x.length, out, 0);
            java.lang.foreign.MemorySegment seg = java.lang.foreign.Arena.ofAuto().allocate(out.length);
            seg.copyFrom(java.lang.foreign.MemorySegment.ofArray(out));
            WeightMatrix w = WeightMatrices.of(new dev.lorillama.runtime.format.TensorData("x", type, new long[] {1, x.length}, seg, java.nio.file.Path.of("x")));
            for (int i = 0; i < x.length; i++) {
                float blockMax = 0;
                for (int j = i / 32 * 32; j < i / 32 * 32 + 32; j++) blockMax = Math.max(blockMax, Math.abs(x[j]));
                double step = switch (type) {
                    case Q8_0 -> blockMax / 127 * 0.51;
                    case Q4_0 -> blockMax / 8 * 1.01;
                    case Q4_1 -> blockRange(x, i / 32 * 32) / 15 * 0.51;
                    default -> Math.abs(x[i]) * 0x1p-7;
                };
                // The scale itself is stored as f16: up to 2^-11 relative error on the largest value.
                assertTrue(Math.abs(w.get(0, i) - x[i]) <= step + 0x1p-11 * blockMax, type + " element " + i);
            }
        }
    }

    private static float blockRange(float[] x, int from) {
        float min = Float.MAX_VALUE, max = -Float.MAX_VALUE;
        for (int j = from; j < from + 32; j++) {
            min = Math.min(min, x[j]);
            max = Math.max(max, x[j]);
        }
        return max - min;
    }
}
