package dev.lorillama.tokenizer;

import java.util.List;

/**
 * What every tokenizer file format boils down to, before the {@link Tokenizer} is built.
 *
 * @param source       where it came from, for messages
 * @param tokenBytes   the bytes of each BPE token, indexed by id (null where an id has none)
 * @param merges       the merge rules over those ids
 * @param ignoreMerges take a piece whole when it is a token, before merging
 * @param added        tokens matched verbatim in text (special tokens among them)
 * @param bosId        the beginning-of-text id, or -1
 * @param eosIds       ids that end generation besides the standard Llama 3 ones
 */
record TokenizerParts(String source, byte[][] tokenBytes, MergeTable merges, boolean ignoreMerges,
                      List<AddedToken> added, int bosId, List<Integer> eosIds) {}
