package dev.lorillama.runtime.generate;

import dev.lorillama.runtime.UserInputException;

/**
 * The model computed logits that are not numbers (NaN) or are infinite: sampling from them would
 * print garbage, so the sequence stops with this error instead. It is the model's (or an
 * adapter's) weights that are broken, hence a user error: {@code chat.jar check} finds them.
 */
public final class NonFiniteLogitsException extends UserInputException {
    public NonFiniteLogitsException(float max) {
        super("the model computed " + (Float.isNaN(max) ? "NaN (not-a-number)" : "infinite") + " logits, so it cannot pick a token: "
                + "its weights (or an adapter's) hold NaN or infinite values, or overflow; 'chat.jar check --model PATH' finds them");
    }
}
