package dev.lorillama.tokenizer;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

/**
 * Finds added tokens in text: the leftmost position where any matches, and there the longest
 * (what Hugging Face's added-vocabulary matcher does). A bit per first character keeps ordinary
 * text to one table lookup per character; from a candidate start a character trie finds the
 * longest match without trying the 256 Llama 3 specials one by one.
 */
final class AddedTokens {
    private final Map<String, AddedToken> byContent = new HashMap<>();
    private final Map<Integer, AddedToken> byId = new HashMap<>();
    private final boolean[] firstChars = new boolean[1 << 16];
    private final Node root = new Node();
    private final boolean anyNonSpecial;

    /** A trie node: the token that ends here, if any, and the nodes one character further. */
    private static final class Node {
        final Map<Character, Node> next = new HashMap<>();
        AddedToken token;
    }

    AddedTokens(Collection<AddedToken> tokens) {
        boolean nonSpecial = false;
        for (AddedToken t : tokens) {
            if (t.content().isEmpty() || byContent.containsKey(t.content())) continue;
            byContent.put(t.content(), t);
            byId.putIfAbsent(t.id(), t);
            firstChars[t.content().charAt(0)] = true;
            Node node = root;
            for (char c : t.content().toCharArray()) node = node.next.computeIfAbsent(c, k -> new Node());
            node.token = t;
            nonSpecial |= !t.special();
        }
        anyNonSpecial = nonSpecial;
    }

    AddedToken byContent(String content) {
        return byContent.get(content);
    }

    AddedToken byId(int id) {
        return byId.get(id);
    }

    /**
     * The first added token in {@code text[from, text.length())}, skipping special ones unless
     * {@code includeSpecial}; its start is written to {@code start[0]}. Null when there is none.
     */
    AddedToken find(String text, int from, boolean includeSpecial, int[] start) {
        if (byContent.isEmpty() || (!includeSpecial && !anyNonSpecial)) return null;
        for (int i = from; i < text.length(); i++) {
            if (!firstChars[text.charAt(i)]) continue;
            AddedToken longest = null;
            Node node = root;
            for (int j = i; j < text.length() && (node = node.next.get(text.charAt(j))) != null; j++) {
                if (node.token != null && (includeSpecial || !node.token.special())) longest = node.token;
            }
            if (longest != null) {
                start[0] = i;
                return longest;
            }
        }
        return null;
    }
}
