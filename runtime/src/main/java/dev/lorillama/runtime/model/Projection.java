package dev.lorillama.runtime.model;

import java.util.Optional;

/** The seven linear projections of a Llama layer, with their Hugging Face names. */
public enum Projection {
    Q("self_attn", "q_proj"),
    K("self_attn", "k_proj"),
    V("self_attn", "v_proj"),
    O("self_attn", "o_proj"),
    GATE("mlp", "gate_proj"),
    UP("mlp", "up_proj"),
    DOWN("mlp", "down_proj");

    private final String block;
    private final String moduleName;

    Projection(String block, String moduleName) {
        this.block = block;
        this.moduleName = moduleName;
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
