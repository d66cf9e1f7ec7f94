package dev.lorillama.chat;

import dev.lorillama.runtime.UserInputException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.Locale;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;

/**
 * Turns exceptions into one clear line on stderr: bad input is the user's to fix, so it gets the
 * message and exit code 2, never a stack trace. Anything else is our bug: a short line, and the
 * trace only when LORILLAMA_DEBUG is set. Each message starts on its own line, also when a
 * progress bar was being drawn.
 */
final class UserErrorHandler implements IExecutionExceptionHandler, IParameterExceptionHandler {
    static final int USER_ERROR = 2;
    static final int INTERNAL_ERROR = 70;

    @Override
    public int handleExecutionException(Exception ex, CommandLine cmd, ParseResult parsed) {
        StderrLine.end();
        Throwable cause = ex;
        if (cause instanceof UncheckedIOException u) cause = u.getCause();
        if (cause instanceof UserInputException || cause instanceof IllegalArgumentException) {
            cmd.getErr().println("error: " + cause.getMessage());
            return USER_ERROR;
        }
        if (cause instanceof IOException io) {
            cmd.getErr().println("error: " + describe(io));
            return USER_ERROR;
        }
        cmd.getErr().println("internal error: " + cause);
        if (System.getenv("LORILLAMA_DEBUG") != null) cause.printStackTrace(cmd.getErr());
        return INTERNAL_ERROR;
    }

    /** A file-system failure in words: the file and what went wrong, not Java's exception class. */
    static String describe(IOException e) {
        if (e instanceof FileSystemException f && f.getFile() != null) {
            String what = switch (f) {
                case NoSuchFileException n -> "no such file or directory";
                case AccessDeniedException a -> "permission denied";
                case FileAlreadyExistsException x -> "already exists";
                case DirectoryNotEmptyException d -> "directory not empty";
                case NotDirectoryException d -> "not a directory";
                default -> f.getReason() != null ? f.getReason().toLowerCase(Locale.ROOT) : "cannot be used";
            };
            return f.getFile() + (f.getOtherFile() != null ? " -> " + f.getOtherFile() : "") + ": " + what;
        }
        if (e instanceof CharacterCodingException) return "a file is not UTF-8 text";
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }

    /** A command line picocli cannot parse: its message (without picocli's "option option" stutter), then where help is. */
    @Override
    public int handleParseException(ParameterException ex, String[] args) {
        CommandLine cmd = ex.getCommandLine();
        PrintWriter err = cmd.getErr();
        err.println("error: " + ex.getMessage().replace("option option", "option"));
        err.println("Usage: " + cmd.getHelp().synopsis(0).strip());
        err.println("'" + cmd.getCommandSpec().qualifiedName() + " --help' explains every option.");
        return USER_ERROR;
    }
}
