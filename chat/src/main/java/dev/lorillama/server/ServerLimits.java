package dev.lorillama.server;

import io.javalin.config.JavalinConfig;
import org.eclipse.jetty.server.ConnectionLimit;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The Jetty side of {@link ServerSettings}: one connector on host:port that closes requests which
 * do not arrive in time ({@link RequestDeadlines}) and stops accepting past the connection limit,
 * and a thread pool sized to that limit (each open request holds at most one worker).
 */
final class ServerLimits {
    /** Threads Jetty keeps for itself (acceptor, selectors) beyond one per connection. */
    private static final int JETTY_OWN_THREADS = 8;

    private ServerLimits() {}

    static void apply(JavalinConfig config, String host, int port, ServerSettings settings) {
        config.jetty.threadPool = new QueuedThreadPool(settings.maxConnections() + JETTY_OWN_THREADS, 2);
        config.jetty.addConnector((server, http) -> {
            ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(http));
            connector.setHost(host);
            connector.setPort(port);
            connector.addBean(new RequestDeadlines(settings.requestTimeout().toMillis()));
            connector.addBean(new ConnectionLimit(settings.maxConnections(), connector));
            return connector;
        });
    }
}
