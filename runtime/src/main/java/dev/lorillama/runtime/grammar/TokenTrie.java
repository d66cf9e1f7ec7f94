package dev.lorillama.runtime.grammar;

import java.util.Arrays;

/**
 * The vocabulary as a prefix tree of token bytes, built once per tokenizer: to find every token
 * that may come next, a matcher walks the tree and drops a whole subtree at the first byte it
 * refuses, instead of trying 128,000 tokens one by one. Nodes live in parallel arrays (first
 * child, next sibling, byte, tokens ending here).
 */
public final class TokenTrie {
    private int[] firstChild;
    private int[] nextSibling;
    private byte[] label;
    private int[] token;      // a token ending at this node, or -1
    private int[] moreTokens; // another token with the same bytes (a chain), or -1: indexes into sameBytes
    private int[] sameBytes = new int[0];
    private int nodes;
    private final int vocab;
    private final byte[][] tokenBytes;

    /** @param tokenBytes each token's bytes; null or empty for tokens that text never is (special tokens, unused ids) */
    public TokenTrie(byte[][] tokenBytes) {
        this.vocab = tokenBytes.length;
        this.tokenBytes = tokenBytes;
        int capacity = 1024;
        firstChild = new int[capacity];
        nextSibling = new int[capacity];
        label = new byte[capacity];
        token = new int[capacity];
        moreTokens = new int[capacity];
        nodes = 1; // the root
        firstChild[0] = -1;
        nextSibling[0] = -1;
        token[0] = -1;
        moreTokens[0] = -1;
        for (int id = 0; id < tokenBytes.length; id++) {
            byte[] bytes = tokenBytes[id];
            if (bytes == null || bytes.length == 0) continue;
            int node = 0;
            for (byte b : bytes) node = child(node, b);
            if (token[node] < 0) {
                token[node] = id;
            } else { // two ids with the same bytes (a duplicate vocabulary entry): both are allowed together
                sameBytes = Arrays.copyOf(sameBytes, sameBytes.length + 2);
                sameBytes[sameBytes.length - 2] = id;
                sameBytes[sameBytes.length - 1] = moreTokens[node];
                moreTokens[node] = sameBytes.length - 2;
            }
        }
    }

    private int child(int parent, byte b) {
        for (int c = firstChild[parent]; c >= 0; c = nextSibling[c]) if (label[c] == b) return c;
        if (nodes == firstChild.length) {
            int n = nodes * 2;
            firstChild = Arrays.copyOf(firstChild, n);
            nextSibling = Arrays.copyOf(nextSibling, n);
            label = Arrays.copyOf(label, n);
            token = Arrays.copyOf(token, n);
            moreTokens = Arrays.copyOf(moreTokens, n);
        }
        int c = nodes++;
        label[c] = b;
        firstChild[c] = -1;
        token[c] = -1;
        moreTokens[c] = -1;
        nextSibling[c] = firstChild[parent];
        firstChild[parent] = c;
        return c;
    }

    /** Ids the vocabulary has (the bit set's size). */
    public int vocabSize() {
        return vocab;
    }

    /** Each token's bytes (null or empty: never text). */
    byte[][] tokenBytes() {
        return tokenBytes;
    }

    /** Nodes in the tree, the root included. */
    public int nodeCount() {
        return nodes;
    }

    int root() {
        return 0;
    }

    int firstChild(int node) {
        return firstChild[node];
    }

    int nextSibling(int node) {
        return nextSibling[node];
    }

    int label(int node) {
        return label[node] & 0xFF;
    }

    /** Marks in {@code allowed} every token whose bytes end at {@code node}. */
    void markTokens(int node, long[] allowed) {
        int id = token[node];
        if (id < 0) return;
        allowed[id >>> 6] |= 1L << id;
        for (int m = moreTokens[node]; m >= 0; m = sameBytes[m + 1]) {
            int other = sameBytes[m];
            allowed[other >>> 6] |= 1L << other;
        }
    }
}
