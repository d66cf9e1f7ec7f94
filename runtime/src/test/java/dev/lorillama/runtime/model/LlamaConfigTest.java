package dev.lorillama.runtime.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lorillama.runtime.UserInputException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** config.json parsing: Llama 3 fields, defaults, and refusals that name the field. */
class LlamaConfigTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static ObjectNode llama32() throws Exception {
        return (ObjectNode) JSON.readTree("""
                {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 2048,
                 "intermediate_size": 8192, "num_hidden_layers": 16, "num_attention_heads": 32,
                 "num_key_value_heads": 8, "head_dim": 64, "vocab_size": 128256, "rms_norm_eps": 1e-05,
                 "rope_theta": 500000.0, "max_position_embeddings": 131072, "tie_word_embeddings": true,
                 "bos_token_id": 128000, "eos_token_id": [128001, 128008, 128009],
                 "rope_scaling": {"factor": 32.0, "high_freq_factor": 4.0, "low_freq_factor": 1.0,
                                  "original_max_position_embeddings": 8192, "rope_type": "llama3"}}""");
    }

    private static String refusal(ObjectNode n) {
        return assertThrows(UserInputException.class, () -> LlamaConfig.fromHfConfig(n, "config.json")).getMessage();
    }

    @Test
    void readsLlama32Config() throws Exception {
        LlamaConfig c = LlamaConfig.fromHfConfig(llama32(), "config.json");
        assertEquals(4, c.groupSize());
        assertEquals(64, c.headDim());
        assertEquals(List.of(128001, 128008, 128009), c.eosTokenIds());
        assertEquals(32.0, ((Llama3RopeScaling) c.ropeScaling()).factor());
        assertTrue(c.tieWordEmbeddings());
        assertEquals(RopeLayout.HALVES, c.ropeLayout());
    }

    @Test
    void llama3ScalingKeepsHighAndDividesLowFrequencies() throws Exception {
        RopeScaling s = LlamaConfig.fromHfConfig(llama32(), "c").ropeScaling();
        // apply(index, invFreq): the index only matters for per-frequency factors (GGUF rope_freqs)
        assertEquals(1.0, s.apply(0, 1.0), 0);                 // wavelength 2π: high frequency, kept
        assertEquals(1e-5 / 32, s.apply(31, 1e-5), 1e-12);      // very low frequency: divided by factor
    }

    @Test
    void missingRequiredFieldIsNamed() throws Exception {
        ObjectNode n = llama32();
        n.remove("hidden_size");
        assertTrue(refusal(n).contains("missing field hidden_size"));
    }

    @Test
    void otherArchitecturesAreRefused() throws Exception {
        ObjectNode n = llama32();
        n.put("model_type", "mistral");
        assertTrue(refusal(n).contains("mistral"));
    }

    @Test
    void unknownRopeScalingIsRefused() throws Exception {
        ObjectNode n = llama32();
        ((ObjectNode) n.get("rope_scaling")).put("rope_type", "yarn");
        assertTrue(refusal(n).contains("yarn"));
    }

    @Test
    void headsMustBeMultipleOfKvHeads() throws Exception {
        ObjectNode n = llama32();
        n.put("num_key_value_heads", 5);
        assertTrue(refusal(n).contains("num_key_value_heads"));
    }

    @Test
    void wrongTypeIsNamed() throws Exception {
        ObjectNode n = llama32();
        n.put("num_hidden_layers", "sixteen");
        assertTrue(refusal(n).contains("num_hidden_layers must be an integer"));
    }
}
