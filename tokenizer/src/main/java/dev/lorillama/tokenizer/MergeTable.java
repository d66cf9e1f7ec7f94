package dev.lorillama.tokenizer;

import java.util.Arrays;

/**
 * The BPE merge rules as a hash map from a pair of token ids to (rank, merged id), in primitive
 * arrays with open addressing: the encoder looks up every adjacent pair, so no boxing and no
 * Strings. A lower rank merges first.
 */
final class MergeTable {
    static final long ABSENT = -1;
    private static final long EMPTY = -1;

    private long[] keys;
    private long[] values;
    private int size;

    MergeTable(int expected) {
        int capacity = Integer.highestOneBit(Math.max(16, expected * 2 - 1)) << 1;
        keys = new long[capacity];
        values = new long[capacity];
        Arrays.fill(keys, EMPTY);
    }

    int size() {
        return size;
    }

    /** Adds a rule unless the pair already has one (the first, lowest-ranked rule wins). */
    void putIfAbsent(int left, int right, int rank, int merged) {
        if (size * 2 >= keys.length) grow();
        long key = key(left, right);
        int slot = slot(key);
        while (keys[slot] != EMPTY) {
            if (keys[slot] == key) return;
            slot = (slot + 1) & (keys.length - 1);
        }
        keys[slot] = key;
        values[slot] = ((long) rank << 32) | (merged & 0xFFFFFFFFL);
        size++;
    }

    /** (rank << 32 | merged id) for the pair, or {@link #ABSENT}. */
    long get(int left, int right) {
        long key = key(left, right);
        int slot = slot(key);
        long k;
        while ((k = keys[slot]) != EMPTY) {
            if (k == key) return values[slot];
            slot = (slot + 1) & (keys.length - 1);
        }
        return ABSENT;
    }

    static int rank(long entry) {
        return (int) (entry >>> 32);
    }

    static int merged(long entry) {
        return (int) entry;
    }

    private static long key(int left, int right) {
        return ((long) left << 32) | (right & 0xFFFFFFFFL);
    }

    private int slot(long key) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 29)) & (keys.length - 1);
    }

    private void grow() {
        long[] oldKeys = keys, oldValues = values;
        keys = new long[oldKeys.length * 2];
        values = new long[oldKeys.length * 2];
        Arrays.fill(keys, EMPTY);
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldKeys[i] == EMPTY) continue;
            int slot = slot(oldKeys[i]);
            while (keys[slot] != EMPTY) slot = (slot + 1) & (keys.length - 1);
            keys[slot] = oldKeys[i];
            values[slot] = oldValues[i];
        }
    }
}
