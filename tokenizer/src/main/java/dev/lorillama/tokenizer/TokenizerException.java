package dev.lorillama.tokenizer;

/**
 * A tokenizer file that cannot be used: the message names the file, the field, what was expected
 * and what was found. It is an {@link IllegalArgumentException} because the file is the user's
 * input, so command lines print the message and no stack trace.
 */
public final class TokenizerException extends IllegalArgumentException {
    public TokenizerException(String message) {
        super(message);
    }

    public TokenizerException(String message, Throwable cause) {
        super(message, cause);
    }

    /** "FILE: FIELD: expected EXPECTED, found FOUND". */
    static TokenizerException field(Object file, String field, String expected, Object found) {
        return new TokenizerException(file + ": " + field + ": expected " + expected + ", found " + found);
    }
}
