package dev.lorillama.chat;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import me.tongfei.progressbar.ProgressBarConsumer;

/**
 * Where progress bars draw on stderr. On a terminal each frame redraws the line ({@code \r});
 * to a file or pipe (a log, CI) frames would pile up as {@code \r}-joined junk, so there a frame
 * is written as a whole line, at most every {@value #LOG_EVERY_MILLIS} ms and once at the end.
 * Whatever prints on stderr next (an error above all) first calls {@link #end()}, so that it
 * starts on a line of its own and not after a half-drawn bar.
 */
final class StderrLine implements ProgressBarConsumer {
    static final long LOG_EVERY_MILLIS = 10_000;
    private static final int WIDTH = 80;
    private static final boolean TERMINAL = stderrIsTerminal();
    private static boolean open; // a frame is on the terminal's current line, not yet ended

    private final PrintStream err = System.err;
    private String last;
    private long lastLogged;

    @Override
    public int getMaxRenderedLength() {
        return WIDTH;
    }

    @Override
    public void accept(String frame) {
        synchronized (StderrLine.class) {
            last = frame;
            if (TERMINAL) {
                err.print('\r' + frame);
                err.flush();
                open = true;
            } else if (System.currentTimeMillis() - lastLogged >= LOG_EVERY_MILLIS && lastLogged != 0) {
                logLast();
            } else if (lastLogged == 0) {
                lastLogged = System.currentTimeMillis(); // the first frame (0%) says nothing: wait
            }
        }
    }

    @Override
    public void close() {
        synchronized (StderrLine.class) {
            if (!TERMINAL && last != null) logLast();
            end();
        }
    }

    private void logLast() {
        err.println(last.strip());
        err.flush();
        lastLogged = System.currentTimeMillis();
        last = null;
    }

    /** Ends a bar's line if one is open, so that the next text starts on its own line. */
    static void end() {
        synchronized (StderrLine.class) {
            if (open) {
                System.err.println();
                System.err.flush();
                open = false;
            }
        }
    }

    /** Whether file descriptor 2 is a terminal (Linux: /proc/self/fd/2 is a tty device). */
    private static boolean stderrIsTerminal() {
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty") || target.equals("/dev/console");
        } catch (IOException | UnsupportedOperationException | SecurityException noProc) {
            var console = System.console(); // elsewhere: the best Java can tell, whether there is a console
            return console != null && console.isTerminal();
        }
    }
}
