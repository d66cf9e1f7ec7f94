package dev.lorillama.runtime.model;

import dev.lorillama.runtime.backend.Backend;

/**
 * What a projection may use while it runs: the backend, and scratch arrays owned by one session
 * (so adapters need no allocation per token and sessions share nothing mutable).
 */
public final class Workspace {
    private final Backend backend;
    private float[][] scratch = new float[2][0];

    public Workspace(Backend backend) {
        this.backend = backend;
    }

    public Backend backend() {
        return backend;
    }

    /** Scratch array {@code slot} of at least {@code length} floats; contents are undefined. */
    public float[] scratch(int slot, int length) {
        if (slot >= scratch.length) scratch = java.util.Arrays.copyOf(scratch, slot + 1);
        if (scratch[slot] == null || scratch[slot].length < length) scratch[slot] = new float[length];
        return scratch[slot];
    }
}
