package dev.lorillama.server;

import io.javalin.http.staticfiles.Location;
import io.javalin.http.staticfiles.StaticFileConfig;
import java.util.Map;

/**
 * The web page (chat, compare, inspect) served at {@code /} from the jar's {@code webui/}
 * resources: plain HTML, CSS and JavaScript modules, plus markdown-it, which the build installs
 * from npm and copies in. Nothing is fetched from elsewhere, and the Content-Security-Policy says
 * so to the browser: even if model output got past the Markdown renderer as HTML, no script,
 * style or request to another origin would run from it.
 */
final class WebPage {
    static final String RESOURCES = "/webui";
    static final String CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            + "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private WebPage() {}

    static void serve(StaticFileConfig files) {
        files.hostedPath = "/";
        files.directory = RESOURCES;
        files.location = Location.CLASSPATH;
        files.headers = Map.of("Content-Security-Policy", CONTENT_SECURITY_POLICY, "X-Content-Type-Options", "nosniff",
                "Cache-Control", "no-cache");
        files.mimeTypes.add("text/javascript", "mjs"); // module scripts must come as JavaScript
    }
}
