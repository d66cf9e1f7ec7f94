package dev.lorillama.tests.fuzz;

import dev.lorillama.runtime.UserInputException;
import dev.lorillama.tokenizer.TokenizerException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The property every parser fuzz test checks: a file, however hostile, is either read or refused
 * with a user error that has a message (the one-line "error: ..." users see). Any other
 * throwable — an index out of bounds, an overflow, an out-of-memory, a stack overflow, an I/O
 * error on a file that exists — escapes, and Jazzer reports it as a finding.
 */
final class HostileInput {
    private static final Path DIR = temporaryDirectory();

    private HostileInput() {}

    /** Writes {@code bytes} as the file {@code name} (under a directory of this JVM's own) and returns its path. */
    static Path file(String name, byte[] bytes) {
        Path file = DIR.resolve(name);
        try {
            Files.createDirectories(file.getParent());
            Files.write(file, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }

    /** Copies a valid fixture file next to the hostile ones (a checkpoint's config beside a fuzzed index). */
    static Path copy(Path fixture, String name) {
        Path file = DIR.resolve(name);
        try {
            Files.createDirectories(file.getParent());
            return Files.copy(fixture, file, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    interface Parse {
        void run() throws Exception;
    }

    /** Runs {@code parse}; a user error is a fine answer to a bad file, anything else is a finding. */
    static void readOrRefused(Parse parse) throws Exception {
        try {
            parse.run();
        } catch (UserInputException | TokenizerException refused) {
            // (no look at the words: a message quotes the file, and Jazzer feeds strings a target compares with back into its inputs)
            if (refused.getMessage() == null || refused.getMessage().isBlank()) throw new AssertionError("a refusal without a message", refused);
        }
    }

    private static Path temporaryDirectory() {
        try {
            Path dir = Files.createTempDirectory("lorillama-fuzz");
            dir.toFile().deleteOnExit();
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
