package dev.lorillama.server;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.HttpChannel;
import org.eclipse.jetty.server.Request;

/**
 * Gives each request a deadline to arrive in full. Jetty's idle timeout restarts on every byte,
 * so a client that trickles a byte at a time would hold its connection (and, while the body is
 * read, a worker) for ever. Here the clock starts when a connection opens or has finished its
 * previous response, and stops when the request's last byte is in; if it runs out first, the
 * connection is closed. Generating and streaming the reply is not timed.
 */
final class RequestDeadlines implements Connection.Listener, HttpChannel.Listener {
    private static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "lorillama-request-deadlines");
        t.setDaemon(true);
        return t;
    });

    private final long millis;
    private final Map<EndPoint, ScheduledFuture<?>> pending = new ConcurrentHashMap<>();

    RequestDeadlines(long millis) {
        this.millis = millis;
    }

    @Override
    public void onOpened(Connection connection) {
        start(connection.getEndPoint());
    }

    @Override
    public void onClosed(Connection connection) {
        stop(connection.getEndPoint());
    }

    /** The request's last byte has arrived (headers, body and trailers). */
    @Override
    public void onRequestEnd(Request request) {
        stop(request.getHttpChannel().getEndPoint());
    }

    /** The response is done: a kept-alive connection's next request is timed from here. */
    @Override
    public void onComplete(Request request) {
        EndPoint endPoint = request.getHttpChannel().getEndPoint();
        if (endPoint.isOpen()) start(endPoint);
    }

    private void start(EndPoint endPoint) {
        ScheduledFuture<?> deadline = TIMER.schedule(() -> {
            pending.remove(endPoint);
            endPoint.close();
        }, millis, TimeUnit.MILLISECONDS);
        ScheduledFuture<?> previous = pending.put(endPoint, deadline);
        if (previous != null) previous.cancel(false);
    }

    private void stop(EndPoint endPoint) {
        ScheduledFuture<?> deadline = pending.remove(endPoint);
        if (deadline != null) deadline.cancel(false);
    }

    /** Connections whose request is still being timed (for tests and /health). */
    int timed() {
        return pending.size();
    }
}
