package dev.lorillama.api;

/**
 * Told how loading goes: first the total number of steps (mapping the model, each adapter, and,
 * when adapters are merged, each merged projection), then each step as it ends.
 */
public interface LoadProgress {
    LoadProgress NONE = new LoadProgress() {};

    /** The number of steps is known (called once, then again if merging adds steps). */
    default void total(int steps) {}

    /** One more step is done; {@code what} names it ("model", an adapter, "merging"). */
    default void step(String what) {}

    /** A fact worth telling the user (e.g. merged weights stored in another type than the base's). */
    default void note(String text) {}

    /** Loading is over (also after a failure). */
    default void done() {}
}
