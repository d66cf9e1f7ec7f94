package dev.lorillama.runtime.backend;

import dev.lorillama.runtime.UserInputException;
import java.util.Locale;

/** Where the forward pass runs: the CPU (the reference), a GPU, or the GPU when one is usable here. */
public enum Device {
    CPU, GPU, AUTO;

    /** {@code cpu}, {@code gpu} or {@code auto}, any case; {@code option} names the flag for the error. */
    public static Device parse(String value, String option) {
        try {
            return valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new UserInputException(option + ": unknown device '" + value + "' (expected cpu, gpu or auto)");
        }
    }

    public String flagValue() {
        return name().toLowerCase(Locale.ROOT);
    }
}
