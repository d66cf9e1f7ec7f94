package dev.lorillama.tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * The 256 special tokens that follow the 128,000 ranks of Meta's tiktoken {@code tokenizer.model},
 * which does not list them itself. These are the Llama 3.1 / 3.2 names (Meta's llama-models
 * tokenizer and the Hugging Face files of those releases); Llama 3.0 called the slots 128004,
 * 128005, 128008 and 128010 onwards reserved_special_token_2..250, and the ids that matter for
 * chat (bos, eos, headers, eot) are the same in both.
 */
final class Llama3SpecialTokens {
    static final int COUNT = 256;

    private Llama3SpecialTokens() {}

    /** The names in id order; the first gets the id after the last BPE rank (128000 in Llama 3). */
    static List<String> names() {
        List<String> names = new ArrayList<>(List.of(
                "<|begin_of_text|>",
                "<|end_of_text|>",
                "<|reserved_special_token_0|>",
                "<|reserved_special_token_1|>",
                "<|finetune_right_pad_id|>",
                "<|reserved_special_token_2|>",
                "<|start_header_id|>",
                "<|end_header_id|>",
                "<|eom_id|>",
                "<|eot_id|>",
                "<|python_tag|>"));
        for (int i = 3; names.size() < COUNT; i++) names.add("<|reserved_special_token_" + i + "|>");
        return names;
    }
}
