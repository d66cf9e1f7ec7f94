package dev.lorillama.server;

import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.javalin.http.HandlerType;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Set;

/**
 * Runs before every request: every endpoint but {@code /health} needs
 * {@code Authorization: Bearer KEY}. The web page's own files (GET outside {@code /v1/}) hold no data
 * and are open, so that a browser can load the page, which then asks for the key. Keys are compared as SHA-256 digests with
 * {@link MessageDigest#isEqual} (constant time, and the digests' equal length hides the key's).
 */
final class ApiKeyGuard implements Handler {
    /** Paths anyone may call: a load balancer's health probe carries no key. */
    static final Set<String> OPEN_PATHS = Set.of("/health");

    private final byte[] keyDigest;

    ApiKeyGuard(String apiKey) {
        this.keyDigest = sha256(apiKey);
    }

    @Override
    public void handle(Context ctx) {
        if (OPEN_PATHS.contains(ctx.path()) || isPageFile(ctx)) return;
        String header = ctx.header("Authorization");
        String prefix = "Bearer ";
        if (header == null || !header.regionMatches(true, 0, prefix, 0, prefix.length())) {
            ctx.header("WWW-Authenticate", "Bearer");
            throw ApiError.unauthorized("This server needs an API key: send the header 'Authorization: Bearer KEY'");
        }
        if (!MessageDigest.isEqual(keyDigest, sha256(header.substring(prefix.length()).strip()))) {
            ctx.header("WWW-Authenticate", "Bearer");
            throw ApiError.unauthorized("Incorrect API key provided");
        }
    }

    private static boolean isPageFile(Context ctx) {
        return ctx.method() == HandlerType.GET && !ctx.path().startsWith("/v1/");
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException everyJdkHasIt) {
            throw new IllegalStateException(everyJdkHasIt);
        }
    }
}
