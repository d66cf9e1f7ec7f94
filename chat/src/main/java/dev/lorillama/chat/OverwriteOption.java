package dev.lorillama.chat;

import dev.lorillama.runtime.UserInputException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * {@code --force}, for every command that writes a file or a directory, and the checks they run
 * before loading anything: nothing already there is overwritten unless asked, and a missing folder
 * of an output file is created (one that cannot be is said before any work is done). One rule for all: an existing file or a non-empty directory is
 * refused without --force.
 */
final class OverwriteOption {
    @Option(names = "--force", description = "Overwrite an output file or write into a non-empty output directory. Default: refuse.")
    boolean force;

    /** An output file given by {@code option} (null: none was asked for); its folder is created when missing, as output directories are. */
    void checkFile(String option, Path file) {
        if (file == null) return;
        if (Files.isDirectory(file)) throw new UserInputException(option + " " + file + ": is a directory; expected a file name");
        if (Files.exists(file) && !force) throw new UserInputException(option + " " + file + ": already exists (--force overwrites it)");
        Path parent = file.toAbsolutePath().getParent();
        if (parent == null || Files.isDirectory(parent)) return;
        try {
            Files.createDirectories(parent);
        } catch (IOException e) {
            throw new UserInputException(option + " " + file + ": cannot create its folder " + parent + " (" + UserErrorHandler.describe(e) + ")");
        }
    }

    /** An output directory given by {@code option}: new, empty, or (with --force) written into. */
    void checkDirectory(String option, Path dir) {
        if (Files.exists(dir) && !Files.isDirectory(dir)) throw new UserInputException(option + " " + dir + ": is a file; expected a directory");
        if (!force && Files.isDirectory(dir) && !isEmpty(dir)) {
            throw new UserInputException(option + " " + dir + ": is not empty (choose a new or empty directory, or --force to write into it)");
        }
    }

    private static boolean isEmpty(Path dir) {
        try (var entries = Files.list(dir)) {
            return entries.findAny().isEmpty();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
