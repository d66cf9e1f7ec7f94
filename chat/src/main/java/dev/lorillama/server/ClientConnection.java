package dev.lorillama.server;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The response stream of one request. The first failed write means the client is gone: it cancels
 * the request's generation, and later writes are skipped. The stream is opened on the first write
 * (which commits the status), and an optional heartbeat writes on a timer, so that a client who
 * leaves is noticed even while the model produces no text.
 */
final class ClientConnection implements AutoCloseable {
    /** Opens the response body (sets status and headers first). */
    interface Opener {
        OutputStream open() throws IOException;
    }

    private static final ScheduledExecutorService HEARTBEATS = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "lorillama-heartbeat");
        t.setDaemon(true);
        return t;
    });

    private final Opener opener;
    private final Runnable cancel;
    private OutputStream out;
    private boolean gone;
    private boolean closed;
    private ScheduledFuture<?> heartbeat;

    /** @param cancel stops the generation once the client is gone */
    ClientConnection(Opener opener, Runnable cancel) {
        this.opener = opener;
        this.cancel = cancel;
    }

    /** Writes {@code text} every {@code millis} ms until {@link #close()}. */
    void heartbeat(String text, long millis) {
        heartbeat = HEARTBEATS.scheduleAtFixedRate(() -> send(text), millis, millis, TimeUnit.MILLISECONDS);
    }

    /** Writes and flushes; a closed connection cancels the generation. Nothing after {@link #close()}. */
    synchronized void send(String text) {
        if (!closed) write(text);
    }

    /** After {@link #close()}: the last part of the response, on the stream the heartbeat opened. */
    synchronized void sendLast(String text) {
        write(text);
    }

    private void write(String text) {
        if (gone) return;
        try {
            if (out == null) out = opener.open();
            out.write(text.getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (IOException | UncheckedIOException closedByClient) {
            gone = true;
            cancel.run();
        }
    }

    synchronized boolean gone() {
        return gone;
    }

    /** Whether anything was written (the status is then committed). */
    synchronized boolean opened() {
        return out != null;
    }

    /** Stops the heartbeat; a beat already running finishes first (it holds the lock). */
    @Override
    public synchronized void close() {
        stopHeartbeat();
        closed = true;
    }

    private void stopHeartbeat() {
        if (heartbeat != null) heartbeat.cancel(false);
    }
}
