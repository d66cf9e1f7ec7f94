package dev.lorillama.runtime;

/**
 * A problem with what the user gave us (a file, a field, an option value), as opposed to a bug.
 * The message names the file/field/value and what was expected, and is shown as is, without a
 * stack trace.
 */
public class UserInputException extends RuntimeException {
    public UserInputException(String message) {
        super(message);
    }

    public UserInputException(String message, Throwable cause) {
        super(message, cause);
    }
}
