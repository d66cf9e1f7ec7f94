package dev.lorillama.server;

import io.javalin.http.Context;
import java.io.PrintStream;
import java.util.Locale;

/**
 * One line per request on stderr, as llama.cpp's server and most HTTP servers print:
 * {@code POST /v1/chat/completions model=nlu tokens=25+12 200 431 ms}. The completion handler
 * leaves the model and token counts on the request ({@link #MODEL}, {@link #TOKENS}).
 */
final class RequestLog {
    static final String MODEL = "lorillama.log.model";
    static final String TOKENS = "lorillama.log.tokens";

    private final PrintStream out;

    RequestLog(PrintStream out) {
        this.out = out;
    }

    void log(Context ctx, float millis) {
        StringBuilder line = new StringBuilder().append(ctx.method()).append(' ').append(ctx.path());
        Object model = ctx.attribute(MODEL);
        Object tokens = ctx.attribute(TOKENS);
        if (model != null) line.append(" model=").append(model);
        if (tokens != null) line.append(" tokens=").append(tokens);
        line.append(' ').append(ctx.statusCode()).append(String.format(Locale.ROOT, " %.0f ms", millis));
        out.println(line);
    }
}
