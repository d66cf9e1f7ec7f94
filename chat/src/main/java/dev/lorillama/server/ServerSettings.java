package dev.lorillama.server;

import java.time.Duration;

/**
 * What the server lets a client do besides generate: who may call it and how much of the server
 * one client may hold.
 *
 * @param apiKey         clients must send {@code Authorization: Bearer KEY} (every endpoint but
 *                       {@code /health}); null: no key, anyone who reaches the port may call it
 * @param maxBodyBytes   largest request body; a larger one is a 413
 * @param requestTimeout how long a client has to send a whole request (headers and body) once the
 *                       connection is ready for it; a slower client is disconnected, so one that
 *                       sends a byte a minute cannot hold a worker
 * @param maxConnections open connections at most; more wait in the operating system's accept queue
 * @param corsOrigin     the origin whose web pages may call the API from a browser ({@code *}: any); null: none (CORS off)
 * @param requestLog     print one line per request on stderr (method, path, model, tokens, status, duration)
 */
public record ServerSettings(String apiKey, long maxBodyBytes, Duration requestTimeout, int maxConnections, String corsOrigin,
                             boolean requestLog) {
    public static final long DEFAULT_MAX_BODY_BYTES = 4L << 20;
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(30);
    public static final int DEFAULT_MAX_CONNECTIONS = 64;

    public ServerSettings {
        if (apiKey != null && apiKey.isBlank()) throw new IllegalArgumentException("the API key must not be empty");
        if (maxBodyBytes < 1) throw new IllegalArgumentException("the request body limit must be >= 1 byte, got " + maxBodyBytes);
        if (requestTimeout.isNegative() || requestTimeout.isZero()) {
            throw new IllegalArgumentException("the request timeout must be positive, got " + requestTimeout);
        }
        if (maxConnections < 1) throw new IllegalArgumentException("the connection limit must be >= 1, got " + maxConnections);
        if (corsOrigin != null && corsOrigin.isBlank()) throw new IllegalArgumentException("the CORS origin must not be empty");
    }

    /** CORS off, no request log. */
    public ServerSettings(String apiKey, long maxBodyBytes, Duration requestTimeout, int maxConnections) {
        this(apiKey, maxBodyBytes, requestTimeout, maxConnections, null, false);
    }

    /** No API key, the default limits. */
    public static ServerSettings defaults() {
        return new ServerSettings(null, DEFAULT_MAX_BODY_BYTES, DEFAULT_REQUEST_TIMEOUT, DEFAULT_MAX_CONNECTIONS);
    }

    public ServerSettings withApiKey(String key) {
        return new ServerSettings(key, maxBodyBytes, requestTimeout, maxConnections, corsOrigin, requestLog);
    }

    public ServerSettings withMaxBodyBytes(long bytes) {
        return new ServerSettings(apiKey, bytes, requestTimeout, maxConnections, corsOrigin, requestLog);
    }

    public ServerSettings withRequestTimeout(Duration timeout) {
        return new ServerSettings(apiKey, maxBodyBytes, timeout, maxConnections, corsOrigin, requestLog);
    }

    public ServerSettings withMaxConnections(int connections) {
        return new ServerSettings(apiKey, maxBodyBytes, requestTimeout, connections, corsOrigin, requestLog);
    }

    public ServerSettings withCors(String origin) {
        return new ServerSettings(apiKey, maxBodyBytes, requestTimeout, maxConnections, origin, requestLog);
    }

    public ServerSettings withRequestLog(boolean on) {
        return new ServerSettings(apiKey, maxBodyBytes, requestTimeout, maxConnections, corsOrigin, on);
    }
}
