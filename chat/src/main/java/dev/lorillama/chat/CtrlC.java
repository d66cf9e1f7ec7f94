package dev.lorillama.chat;

import dev.lorillama.api.Session;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.jline.terminal.Terminal;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Ctrl-C (SIGINT) while an answer is being generated cancels that answer and the program goes on;
 * a Ctrl-C at any other time (at the prompt) exits, as it always did. On a console JLine's line
 * editor turns that second Ctrl-C into a {@code UserInterruptException}; over pipes the JVM's own
 * handler exits with status 130.
 */
@SuppressWarnings("restriction")
final class CtrlC implements AutoCloseable {
    private static final Signal INT = new Signal("INT");

    private final AtomicReference<Session> generating = new AtomicReference<>();
    private Runnable uninstall = () -> {};

    private CtrlC() {}

    /** Handles SIGINT with a {@link sun.misc.Signal} handler until {@link #close()} (one-shot runs, chats over pipes). */
    static CtrlC install() {
        CtrlC c = new CtrlC();
        SignalHandler[] previous = {null};
        previous[0] = Signal.handle(INT, signal -> c.handle(() -> passOn(signal, previous[0])));
        c.uninstall = () -> Signal.handle(INT, previous[0]);
        return c;
    }

    /**
     * Handles Ctrl-C through a JLine console. JLine registers its own native SIGINT handler around
     * every {@code readLine}, replacing one set with sun.misc.Signal directly; a handler in the
     * terminal's table is what it restores after each prompt, so it is there during every answer.
     */
    static CtrlC installOn(Terminal terminal) {
        CtrlC c = new CtrlC();
        Terminal.SignalHandler previous = terminal.handle(Terminal.Signal.INT, signal -> c.handle(() -> {}));
        c.uninstall = () -> terminal.handle(Terminal.Signal.INT, previous);
        return c;
    }

    /** What SIGINT did before: the JVM's handler exits with 130; a default disposition would have too. */
    private static void passOn(Signal signal, SignalHandler previous) {
        if (previous == SignalHandler.SIG_DFL) System.exit(130);
        else if (previous != null && previous != SignalHandler.SIG_IGN) previous.handle(signal);
    }

    private void handle(Runnable whenIdle) {
        Session session = generating.get();
        if (session != null) session.cancel();
        else whenIdle.run();
    }

    /** Runs {@code work} (a generation in {@code session}) so that Ctrl-C cancels it. */
    <T> T whileGenerating(Session session, Supplier<T> work) {
        generating.set(session);
        try {
            return work.get();
        } finally {
            generating.set(null);
        }
    }

    @Override
    public void close() {
        uninstall.run();
    }
}
