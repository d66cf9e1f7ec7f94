package dev.lorillama.tokenizer;

/**
 * The BPE merge rules as a hash map from a pair of token ids to (rank, merged id), in primitive
 * arrays with open addressing: the encoder looks up every adjacent pair, so no boxing and no
 * Strings. A lower rank merges first.
 */
final class MergeTable {
    static final long ABSENT = -1;
    private static final long EMPTY = -1;

    // key at 2 * slot, value at 2 * slot + 1: one cache line per probe
    private long[] table;
    private int mask; // slots - 1
    private int size;

    MergeTable(int expected) {
        int slots = Integer.highestOneBit(Math.max(16, expected * 3 / 2)) << 1; // load <= 2/3 to start
        table = new long[slots * 2];
        mask = slots - 1;
        fillEmpty(table);
    }

    private static void fillEmpty(long[] table) {
        for (int i = 0; i < table.length; i += 2) table[i] = EMPTY;
    }

    int size() {
        return size;
    }

    /** Adds a rule unless the pair already has one (the first, lowest-ranked rule wins). */
    void putIfAbsent(int left, int right, int rank, int merged) {
        if (size * 4 >= (mask + 1) * 3) grow(); // linear probing stays short below 3/4 full; a smaller table stays in cache
        long key = key(left, right);
        int slot = slot(key);
        while (table[2 * slot] != EMPTY) {
            if (table[2 * slot] == key) return;
            slot = (slot + 1) & mask;
        }
        table[2 * slot] = key;
        table[2 * slot + 1] = ((long) rank << 32) | (merged & 0xFFFFFFFFL);
        size++;
    }

    /** (rank << 32 | merged id) for the pair, or {@link #ABSENT}. */
    long get(int left, int right) {
        long key = key(left, right);
        int slot = slot(key);
        long k;
        while ((k = table[2 * slot]) != EMPTY) {
            if (k == key) return table[2 * slot + 1];
            slot = (slot + 1) & mask;
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
        return (int) (h ^ (h >>> 29)) & mask;
    }

    private void grow() {
        long[] old = table;
        table = new long[old.length * 2];
        mask = (table.length / 2) - 1;
        fillEmpty(table);
        for (int i = 0; i < old.length; i += 2) {
            if (old[i] == EMPTY) continue;
            int slot = slot(old[i]);
            while (table[2 * slot] != EMPTY) slot = (slot + 1) & mask;
            table[2 * slot] = old[i];
            table[2 * slot + 1] = old[i + 1];
        }
    }
}
