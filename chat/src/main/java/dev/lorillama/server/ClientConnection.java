package dev.lorillama.server;

import dev.lorillama.api.Session;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The response stream of one request. The first failed write means the client is gone: it cancels
 * the session's generation, and later writes are skipped.
 */
final class ClientConnection {
    private final OutputStream out;
    private final Session session;
    private boolean gone;

    ClientConnection(OutputStream out, Session session) {
        this.out = out;
        this.session = session;
    }

    /** Writes and flushes; a closed connection cancels the generation. */
    void send(String text) {
        if (gone) return;
        try {
            out.write(text.getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (IOException closedByClient) {
            gone = true;
            session.cancel();
        }
    }

    boolean gone() {
        return gone;
    }
}
