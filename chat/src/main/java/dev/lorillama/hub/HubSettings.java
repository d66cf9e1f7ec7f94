package dev.lorillama.hub;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;

/**
 * Where the Hugging Face Hub and its cache are, read from the environment variables
 * huggingface_hub reads, so that Python tools and lorillama share one cache:
 *
 * <ul>
 *   <li>{@code HF_ENDPOINT}: the hub (default {@code https://huggingface.co}; a mirror or a test server);
 *   <li>{@code HF_HUB_CACHE} (or the older {@code HUGGINGFACE_HUB_CACHE}), else {@code $HF_HOME/hub},
 *       where {@code HF_HOME} defaults to {@code $XDG_CACHE_HOME/huggingface}, else
 *       {@code ~/.cache/huggingface};
 *   <li>{@code HF_TOKEN} (or the older {@code HUGGING_FACE_HUB_TOKEN}), else the token file that
 *       {@code huggingface-cli login} writes ({@code HF_TOKEN_PATH}, default {@code $HF_HOME/token});
 *   <li>{@code HF_HUB_OFFLINE}: 1/true/yes/on means the cache only, no network.
 * </ul>
 *
 * @param token   null when none is set
 * @param timeout for connecting and for each response's headers
 */
public record HubSettings(URI endpoint, Path cache, String token, boolean offline, Duration timeout) {
    public static final String DEFAULT_ENDPOINT = "https://huggingface.co";

    public HubSettings {
        String e = endpoint.toString();
        if (e.endsWith("/")) endpoint = URI.create(e.substring(0, e.length() - 1));
    }

    /** The settings of this process's environment; {@code ~} is $HOME, as Python's expanduser reads it. */
    public static HubSettings fromEnvironment() {
        String home = System.getenv("HOME");
        return fromEnvironment(System.getenv(), Path.of(home == null || home.isBlank() ? System.getProperty("user.home") : home));
    }

    /** The settings an environment describes ({@code home} stands for {@code ~}). */
    public static HubSettings fromEnvironment(Map<String, String> env, Path home) {
        Path hfHome = path(env, home, "HF_HOME", () -> path(env, home, "XDG_CACHE_HOME", () -> home.resolve(".cache")).resolve("huggingface"));
        Path cache = path(env, home, "HF_HUB_CACHE", () -> path(env, home, "HUGGINGFACE_HUB_CACHE", () -> hfHome.resolve("hub")));
        String token = value(env, "HF_TOKEN");
        if (token == null) token = value(env, "HUGGING_FACE_HUB_TOKEN");
        if (token == null) token = tokenFile(path(env, home, "HF_TOKEN_PATH", () -> hfHome.resolve("token")));
        String endpoint = value(env, "HF_ENDPOINT");
        return new HubSettings(URI.create(endpoint == null ? DEFAULT_ENDPOINT : endpoint), cache, token,
                isTrue(value(env, "HF_HUB_OFFLINE")), Duration.ofSeconds(10));
    }

    /** The same settings, with downloads switched off when {@code offline} (they stay off if already). */
    public HubSettings withOffline(boolean offline) {
        return new HubSettings(endpoint, cache, token, this.offline || offline, timeout);
    }

    public HubSettings withEndpoint(URI endpoint) {
        return new HubSettings(endpoint, cache, token, offline, timeout);
    }

    public HubSettings withToken(String token) {
        return new HubSettings(endpoint, cache, token, offline, timeout);
    }

    private interface Fallback {
        Path get();
    }

    /** A path variable, with {@code ~/} expanded as huggingface_hub's expanduser does. */
    private static Path path(Map<String, String> env, Path home, String name, Fallback fallback) {
        String v = value(env, name);
        if (v == null) return fallback.get();
        return v.startsWith("~/") ? home.resolve(v.substring(2)) : Path.of(v);
    }

    private static String value(Map<String, String> env, String name) {
        String v = env.get(name);
        return v == null || v.isBlank() ? null : v.strip();
    }

    private static String tokenFile(Path file) {
        try {
            if (!Files.isRegularFile(file)) return null;
            String t = Files.readString(file).strip();
            return t.isEmpty() ? null : t;
        } catch (java.io.IOException unreadable) {
            return null; // as huggingface_hub: an unreadable token file is no token
        }
    }

    private static boolean isTrue(String v) {
        return v != null && switch (v.toLowerCase(Locale.ROOT)) {
            case "1", "true", "yes", "on" -> true;
            default -> false;
        };
    }
}
