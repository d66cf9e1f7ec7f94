package dev.lorillama.lori;

import java.util.Locale;

/** How several adapters are combined, with PEFT {@code add_weighted_adapter}'s names and meaning. */
public enum Combination {
    /** ΔW = Σ w_i·s_i·B_i·A_i: the exact weighted sum of the adapters' deltas. */
    CAT,
    /** A = Σ √(w_i s_i)·A_i, B = Σ √(w_i s_i)·B_i, ΔW = B·A: cross terms included. */
    LINEAR;

    public static Combination parse(String text) {
        try {
            return valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("combination \"" + text + "\" is not supported (cat or linear)");
        }
    }
}
