package dev.lorillama.tokenizer;

import java.util.Locale;

/** Who speaks a message in a Llama 3 chat; the header spells it in lower case. */
public enum Role {
    SYSTEM, USER, ASSISTANT, IPYTHON;

    /** The name between {@code <|start_header_id|>} and {@code <|end_header_id|>}. */
    public String headerName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
