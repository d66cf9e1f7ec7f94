package dev.lorillama.server;

import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.javalin.http.HandlerType;

/**
 * CORS for {@code --cors ORIGIN}: a web page served from that origin (or any, for {@code *}) may
 * call the API from a browser. Off by default: without it no CORS header is sent and browsers keep
 * other sites' pages from reading replies. A preflight ({@code OPTIONS} with
 * {@code Access-Control-Request-Method}) is answered here with 204, before the API key check,
 * since browsers send it without credentials.
 */
final class CrossOrigin implements Handler {
    private final String allowed;

    CrossOrigin(String allowed) {
        this.allowed = allowed;
    }

    @Override
    public void handle(Context ctx) {
        String origin = ctx.header("Origin");
        if (origin == null || !(allowed.equals("*") || allowed.equals(origin))) return;
        ctx.header("Access-Control-Allow-Origin", allowed.equals("*") ? "*" : origin);
        ctx.header("Vary", "Origin");
        if (ctx.method() == HandlerType.OPTIONS && ctx.header("Access-Control-Request-Method") != null) {
            ctx.header("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
            String headers = ctx.header("Access-Control-Request-Headers");
            ctx.header("Access-Control-Allow-Headers", headers != null ? headers : "Authorization, Content-Type");
            ctx.header("Access-Control-Max-Age", "600");
            ctx.status(204);
            ctx.skipRemainingHandlers();
        }
    }
}
