package dev.lorillama.runtime.model;

import java.util.Optional;

/** The seven linear projections of a Llama layer, with their Hugging Face and GGUF names. */
public enum Projection {
    Q("self_attn", "q_proj", "attn_q"),
    K("self_attn", "k_proj", "attn_k"),
    V("self_attn", "v_proj", "attn_v"),
    O("self_attn", "o_proj", "attn_output"),
    GATE("mlp", "gate_proj", "ffn_gate"),
    UP("mlp", "up_proj", "ffn_up"),
    DOWN("mlp", "down_proj", "ffn_down");

    private final String block;
    private final String moduleName;
    private final String ggufName;

    Projection(String block, String moduleName, String ggufName) {
        this.block = block;
        this.moduleName = moduleName;
        this.ggufName = ggufName;
    }

    /** The tensor name in GGUF files, e.g. {@code blk.3.attn_q.weight}. */
    public String ggufTensor(int layer) {
        return "blk." + layer + "." + ggufName + ".weight";
    }

    /** The PEFT target-module name, e.g. {@code q_proj}. */
    public String moduleName() {
        return moduleName;
    }

    /** The module path inside the model, e.g. {@code model.layers.3.self_attn.q_proj}. */
    public String modulePath(int layer) {
        return "model.layers." + layer + "." + block + "." + moduleName;
    }

    public int inFeatures(LlamaConfig c) {
        return switch (this) {
            case Q, K, V, GATE, UP -> c.hiddenSize();
            case O -> c.queryDim();
            case DOWN -> c.intermediateSize();
        };
    }

    public int outFeatures(LlamaConfig c) {
        return switch (this) {
            case Q -> c.queryDim();
            case K, V -> c.kvDim();
            case O, DOWN -> c.hiddenSize();
            case GATE, UP -> c.intermediateSize();
        };
    }

    public static Optional<Projection> byModuleName(String name) {
        for (Projection p : values()) if (p.moduleName.equals(name)) return Optional.of(p);
        return Optional.empty();
    }
}
