package dev.lorillama.tokenizer;

/**
 * A token matched verbatim in the text before BPE runs, such as {@code <|eot_id|>}. Special ones
 * are control tokens: {@link Tokenizer#encodeOrdinary} treats their text as plain text.
 */
record AddedToken(String content, int id, boolean special) {}
