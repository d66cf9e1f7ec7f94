package dev.lorillama.chat;

import org.jline.terminal.Attributes;
import org.jline.terminal.Terminal;

/**
 * Makes Ctrl-C at the prompt of a console quit at once. JLine answers SIGINT during
 * {@code readLine} by interrupting the reading thread, but that thread sits in a native read that
 * an interrupt does not wake: the prompt would only notice at the next key. This daemon thread
 * watches for the interrupt while the prompt is up and exits as a shell would (status 130). It
 * halts rather than exits: JLine's shutdown hook would wait for the line editor, which holds the
 * terminal until that read returns; the terminal's cooked mode is restored here first.
 */
final class PromptInterruptWatcher extends Thread {
    private final Thread reader;
    private final Terminal terminal;
    private final Attributes cooked;
    private volatile boolean prompting;

    PromptInterruptWatcher(Thread reader, Terminal terminal) {
        super("ctrl-c-at-prompt");
        this.reader = reader;
        this.terminal = terminal;
        this.cooked = terminal.getAttributes();
        setDaemon(true);
    }

    /** Whether the reader thread is waiting at the prompt now. */
    void prompting(boolean now) {
        prompting = now;
    }

    @Override
    public void run() {
        while (true) {
            if (prompting && reader.isInterrupted()) {
                terminal.setAttributes(cooked);
                terminal.writer().println();
                terminal.writer().flush();
                Runtime.getRuntime().halt(130);
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException stop) {
                return;
            }
        }
    }
}
