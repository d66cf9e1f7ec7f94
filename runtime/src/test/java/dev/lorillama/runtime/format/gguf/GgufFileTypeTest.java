package dev.lorillama.runtime.format.gguf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.lorillama.runtime.UserInputException;
import dev.lorillama.runtime.tensor.DType;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The per-tensor types of the K-quant mixes at a real depth. The expectation is what
 * llama-quantize (llama.cpp, Feb 2025) wrote for a 16-layer Llama 3.2 1B-shaped file at Q4_K_M:
 * value and down projections of layers 0, 1, 4, 7, 10, 13, 14, 15 in Q6_K, the LM head in Q6_K,
 * everything else Q4_K (the 2-layer case is checked byte for byte by ConvertKQuantMixTest).
 */
class GgufFileTypeTest {
    private static final Set<Integer> MORE_BITS_OF_16 = Set.of(0, 1, 4, 7, 10, 13, 14, 15);

    @Test
    void q4KMAndQ5KMGiveLlamaQuantizesLayersMoreBits() {
        for (GgufFileType mix : new GgufFileType[] {GgufFileType.Q4_K_M, GgufFileType.Q5_K_M}) {
            for (int layer = 0; layer < 16; layer++) {
                DType expected = MORE_BITS_OF_16.contains(layer) ? DType.Q6_K : mix.base();
                assertEquals(expected, mix.tensorType("blk." + layer + ".attn_v.weight", layer, 16, 2048), mix + " attn_v " + layer);
                assertEquals(expected, mix.tensorType("blk." + layer + ".ffn_down.weight", layer, 16, 8192), mix + " ffn_down " + layer);
                assertEquals(mix.base(), mix.tensorType("blk." + layer + ".attn_q.weight", layer, 16, 2048));
                assertEquals(mix.base(), mix.tensorType("blk." + layer + ".ffn_up.weight", layer, 16, 2048));
            }
            assertEquals(DType.Q6_K, mix.tensorType("output.weight", 0, 16, 2048));
            assertEquals(mix.base(), mix.tensorType("token_embd.weight", 0, 16, 2048));
        }
        assertEquals(DType.Q6_K, GgufFileType.Q6_K.tensorType("blk.3.attn_k.weight", 3, 16, 2048));
    }

    @Test
    void rowsThatAreNotWholeBlocksTakeLlamaQuantizesFallbacks() {
        assertEquals(DType.Q5_0, GgufFileType.Q4_K_M.tensorType("blk.2.attn_q.weight", 2, 16, 320));
        assertEquals(DType.Q5_1, GgufFileType.Q5_K_M.tensorType("blk.2.attn_q.weight", 2, 16, 320));
        assertEquals(DType.Q8_0, GgufFileType.Q6_K.tensorType("blk.2.attn_q.weight", 2, 16, 320));
        assertEquals(DType.Q8_0, GgufFileType.Q4_K_M.tensorType("output.weight", 0, 16, 320));
        assertEquals(DType.F16, GgufFileType.Q4_K_M.tensorType("blk.2.attn_q.weight", 2, 16, 100));
        assertEquals(DType.F16, GgufFileType.Q8_0.tensorType("blk.2.attn_q.weight", 2, 16, 100));
        assertEquals(DType.Q8_0, GgufFileType.Q8_0.tensorType("output.weight", 0, 16, 2048));
    }

    @Test
    void namesAreParsedInAnyCaseAndAWrongOneIsNamed() {
        assertEquals(GgufFileType.Q4_K_M, GgufFileType.parse("q4_k_m"));
        assertEquals(GgufFileType.BF16, GgufFileType.parse("BF16"));
        UserInputException e = assertThrows(UserInputException.class, () -> GgufFileType.parse("q3_k_m"));
        assertEquals("--type: \"q3_k_m\" is not one of f32, f16, bf16, q8_0, q4_0, q4_k_m, q5_k_m, q6_k", e.getMessage());
    }
}
