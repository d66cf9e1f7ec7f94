package dev.lorillama.chat;

import dev.lorillama.api.Session;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Ctrl-C (SIGINT) while an answer is being generated cancels that answer, and the program goes
 * on. At any other time it goes to the handler that was there before (JLine's line editor turns
 * it into a {@code UserInterruptException} at the prompt; the JVM's own exits), unless asked to
 * handle it here: then the first Ctrl-C between answers only warns and the second exits.
 */
@SuppressWarnings("restriction")
final class CtrlC implements AutoCloseable {
    private static final Signal INT = new Signal("INT");

    private final AtomicReference<Session> generating = new AtomicReference<>();
    private final SignalHandler previous;
    private final boolean warnBeforeExit;
    private volatile int idleInterrupts; // Ctrl-Cs since the last answer began

    private CtrlC(boolean warnBeforeExit) {
        this.warnBeforeExit = warnBeforeExit;
        this.previous = Signal.handle(INT, this::handle);
    }

    /**
     * Takes over SIGINT until {@link #close()}; install it after JLine's terminal, which registers
     * its own.
     *
     * @param warnBeforeExit handle Ctrl-C between answers here (warn, then exit) instead of passing it on
     */
    static CtrlC install(boolean warnBeforeExit) {
        return new CtrlC(warnBeforeExit);
    }

    private void handle(Signal signal) {
        Session session = generating.get();
        if (session != null) {
            session.cancel();
        } else if (warnBeforeExit) {
            if (++idleInterrupts >= 2) System.exit(130); // what the JVM would have done: 128 + SIGINT
            System.err.println("\n(Ctrl-C again to quit)");
        } else if (previous != SignalHandler.SIG_IGN && previous != SignalHandler.SIG_DFL && previous != null) {
            previous.handle(signal);
        }
    }

    /** Runs {@code work} (a generation in {@code session}) so that Ctrl-C cancels it. */
    <T> T whileGenerating(Session session, Supplier<T> work) {
        generating.set(session);
        idleInterrupts = 0;
        try {
            return work.get();
        } finally {
            generating.set(null);
        }
    }

    @Override
    public void close() {
        Signal.handle(INT, previous);
    }
}
