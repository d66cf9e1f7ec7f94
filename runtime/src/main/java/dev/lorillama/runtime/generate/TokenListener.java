package dev.lorillama.runtime.generate;

/** Receives each generated token as soon as it is sampled; return false to stop generating. */
@FunctionalInterface
public interface TokenListener {
    boolean onToken(int token);
}
