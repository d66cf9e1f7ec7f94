package dev.lorillama.hub;

import dev.lorillama.runtime.UserInputException;

/** A model or adapter that cannot be had from the hub or its cache; the message says why and what to do. */
public final class HubException extends UserInputException {
    public HubException(String message) {
        super(message);
    }

    public HubException(String message, Throwable cause) {
        super(message, cause);
    }
}
