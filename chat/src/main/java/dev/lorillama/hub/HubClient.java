package dev.lorillama.hub;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Talks to the hub the way huggingface_hub does: {@code GET /api/models/REPO/revision/REV} lists a
 * repository, {@code HEAD /REPO/resolve/REV/FILE} gives a file's commit ({@code X-Repo-Commit}),
 * ETag ({@code X-Linked-Etag} for LFS files, else {@code ETag}) and size ({@code X-Linked-Size},
 * else {@code Content-Length}), following redirects on the hub (a renamed repository) but not the
 * one to the CDN, whose address is the download's; the token is sent to the hub only. Errors carry the hub's
 * {@code X-Error-Code} (RepoNotFound, RevisionNotFound, EntryNotFound, GatedRepo).
 */
final class HubClient {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_REDIRECTS = 10;
    private static final int MAX_ATTEMPTS = 4; // a dropped connection resumes where it stopped, this many times
    private static final long STALL_MILLIS = 60_000;
    private static final ScheduledExecutorService WATCHDOG = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "hub-download-watchdog");
        t.setDaemon(true);
        return t;
    });

    /** A file as the hub resolves it: where to fetch it from and what it must hash to. */
    record FileMetadata(String commit, String etag, long size, URI location) {}

    private final HubSettings settings;
    private final HttpClient http;

    HubClient(HubSettings settings) {
        this.settings = settings;
        this.http = HttpClient.newBuilder()
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(settings.timeout())
                .build();
    }

    /** The commit a revision points to, the repository's files with sizes, and its licence. */
    RepoInfo repoInfo(String repo, String revision) {
        URI uri = URI.create(settings.endpoint() + "/api/models/" + repo + "/revision/" + encode(revision) + "?blobs=true");
        HttpResponse<String> r = followingHubRedirects(uri, "GET", repo, HttpResponse.BodyHandlers.ofString());
        check(r, repo, revision, null);
        try {
            JsonNode info = JSON.readTree(r.body());
            List<RepoInfo.RepoFile> files = new ArrayList<>();
            for (JsonNode s : info.path("siblings")) {
                JsonNode size = s.has("lfs") ? s.path("lfs").path("size") : s.path("size");
                files.add(new RepoInfo.RepoFile(s.path("rfilename").asText(), size.isNumber() ? size.asLong() : -1));
            }
            String license = info.path("cardData").path("license").asText(null);
            if (license == null) {
                for (JsonNode tag : info.path("tags")) if (tag.asText().startsWith("license:")) license = tag.asText().substring(8);
            }
            String commit = info.path("sha").asText(null);
            if (commit == null) throw new HubException(uri + ": the hub's answer has no commit (\"sha\")");
            return new RepoInfo(repo, commit, files, license);
        } catch (IOException e) {
            throw new HubException(uri + ": the hub's answer is not the JSON of a model repository: " + e.getMessage(), e);
        }
    }

    /** HEAD of the file's resolve address. */
    FileMetadata metadata(String repo, String revision, String file) {
        HttpResponse<Void> r = followingHubRedirects(resolveUri(repo, revision, file), "HEAD", repo,
                HttpResponse.BodyHandlers.discarding());
        check(r, repo, revision, file);
        String etag = r.headers().firstValue("X-Linked-Etag").or(() -> r.headers().firstValue("ETag"))
                .map(HubClient::normalizeEtag).orElseThrow(() -> new HubException(
                        resolveUri(repo, revision, file) + ": the hub sent no ETag, so the file cannot be cached or checked"));
        long size = r.headers().firstValue("X-Linked-Size").or(() -> r.headers().firstValue("Content-Length"))
                .map(Long::parseLong).orElse(-1L);
        String commit = r.headers().firstValue("X-Repo-Commit").orElse(revision);
        Optional<String> location = r.headers().firstValue("Location");
        URI from = isRedirect(r.statusCode()) && location.isPresent() ? r.uri().resolve(location.get()) : r.uri();
        return new FileMetadata(commit, etag, size, from);
    }

    /**
     * Sends a request and follows redirects that stay on the hub (a renamed repository answers
     * with a relative Location), but not one to another host: for a file that is the CDN, whose
     * address is where the download goes, while the hub's own answer carries the headers that
     * matter and the token must not leave the hub (huggingface_hub does the same).
     */
    private <T> HttpResponse<T> followingHubRedirects(URI uri, String method, String repo, HttpResponse.BodyHandler<T> body) {
        for (int redirects = 0; ; redirects++) {
            HttpResponse<T> r = send(HttpRequest.newBuilder(uri).method(method, HttpRequest.BodyPublishers.noBody())
                    .header("Accept-Encoding", "identity"), repo, body, true);
            Optional<String> location = r.headers().firstValue("Location");
            if (!isRedirect(r.statusCode()) || location.isEmpty() || !onHub(uri.resolve(location.get())) || redirects == MAX_REDIRECTS) {
                return r;
            }
            uri = uri.resolve(location.get());
        }
    }

    /**
     * Appends the rest of the file to {@code partial} (resuming with a Range request when part of it
     * is there), retrying a dropped connection from where it stopped, and checks the whole against
     * the ETag.
     */
    void download(String repo, String file, FileMetadata meta, Path partial, DownloadListener listener) throws IOException {
        Checksum checksum = Checksum.forEtag(meta.etag(), meta.size());
        long have = Files.exists(partial) ? Files.size(partial) : 0;
        if (checksum != null && have > 0) hashExisting(partial, have, checksum);
        listener.started(file, meta.size(), have);
        for (int attempt = 1; ; attempt++) {
            try {
                have = fetch(repo, file, meta, partial, have, checksum, listener);
                break;
            } catch (Interrupted e) {
                have = e.have;
                if (attempt == MAX_ATTEMPTS) {
                    throw new HubException("download of " + file + " from " + repo + " broke off after " + megabytes(have) + " of "
                            + megabytes(meta.size()) + " (" + e.getCause().getMessage() + "); run again to resume from there", e);
                }
            }
        }
        if (meta.size() >= 0 && have != meta.size()) {
            throw new HubException("download of " + file + " from " + repo + ": got " + have + " bytes, the hub said " + meta.size());
        }
        String wrong = checksum == null ? null : checksum.mismatch();
        if (wrong != null) {
            Files.delete(partial);
            throw new HubException("download of " + file + " from " + repo + " is corrupt: its " + checksum.algorithm() + " is "
                    + wrong + " but the hub says " + meta.etag() + " (the partial file was deleted; run again)");
        }
    }

    /** A connection that ended early, after {@code have} bytes of the file were on disk. */
    private static final class Interrupted extends Exception {
        final long have;

        Interrupted(long have, IOException cause) {
            super(cause);
            this.have = have;
        }
    }

    private long fetch(String repo, String file, FileMetadata meta, Path partial, long have, Checksum checksum, DownloadListener listener)
            throws IOException, Interrupted {
        URI uri = meta.location();
        HttpResponse<InputStream> r;
        for (int redirects = 0; ; redirects++) {
            HttpRequest.Builder request = HttpRequest.newBuilder(uri).GET().header("Accept-Encoding", "identity");
            if (have > 0) request.header("Range", "bytes=" + have + "-");
            r = send(request, repo, HttpResponse.BodyHandlers.ofInputStream(), onHub(uri));
            Optional<String> location = r.headers().firstValue("Location");
            if (!isRedirect(r.statusCode()) || location.isEmpty() || redirects == MAX_REDIRECTS) break;
            r.body().close();
            uri = uri.resolve(location.get());
        }
        if (r.statusCode() == 416 && have == meta.size()) { // asked for the bytes after the end: it was complete
            r.body().close();
            return have;
        }
        if (r.statusCode() != 200 && r.statusCode() != 206) {
            r.body().close();
            check(r, repo, null, file);
            throw new HubException(uri + ": HTTP " + r.statusCode());
        }
        boolean append = r.statusCode() == 206;
        if (!append && have > 0) { // the server ignored the Range: start over
            have = 0;
            if (checksum != null) checksum = Checksum.forEtag(meta.etag(), meta.size());
        }
        AtomicLong lastProgress = new AtomicLong(System.nanoTime());
        try (InputStream in = r.body();
             FileChannel out = FileChannel.open(partial, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                     append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING)) {
            ScheduledFuture<?> watchdog = WATCHDOG.scheduleAtFixedRate(() -> {
                if (System.nanoTime() - lastProgress.get() > TimeUnit.MILLISECONDS.toNanos(STALL_MILLIS)) closeQuietly(in);
            }, 1, 1, TimeUnit.SECONDS);
            byte[] buffer = new byte[1 << 20];
            try {
                for (int n; (n = in.read(buffer)) > 0; ) {
                    out.write(java.nio.ByteBuffer.wrap(buffer, 0, n));
                    if (checksum != null) checksum.update(buffer, 0, n);
                    have += n;
                    lastProgress.set(System.nanoTime());
                    listener.progressed(have);
                }
            } catch (IOException dropped) {
                throw new Interrupted(have, dropped);
            } finally {
                watchdog.cancel(false);
            }
        }
        if (meta.size() >= 0 && have < meta.size()) throw new Interrupted(have, new IOException("the connection closed early"));
        return have;
    }

    private static void hashExisting(Path partial, long length, Checksum checksum) throws IOException {
        try (InputStream in = Files.newInputStream(partial)) {
            byte[] buffer = new byte[1 << 20];
            long left = length;
            for (int n; left > 0 && (n = in.read(buffer, 0, (int) Math.min(buffer.length, left))) > 0; left -= n) {
                checksum.update(buffer, 0, n);
            }
        }
    }

    private static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException ignored) {
            // the reader sees the stream closed: that is the point
        }
    }

    private <T> HttpResponse<T> send(HttpRequest.Builder request, String repo, HttpResponse.BodyHandler<T> body, boolean withToken) {
        if (settings.offline()) throw new IllegalStateException("offline: no request may be sent"); // callers check first
        request.timeout(settings.timeout()).header("User-Agent", "lorillama/0.1; java/" + Runtime.version().feature());
        if (withToken && settings.token() != null) request.header("Authorization", "Bearer " + settings.token());
        HttpRequest built = request.build();
        try {
            return http.send(built, body);
        } catch (ConnectException | HttpConnectTimeoutException | java.nio.channels.UnresolvedAddressException e) {
            throw noNetwork(repo, e);
        } catch (HttpTimeoutException e) {
            throw new HubException(built.uri() + ": no answer from the hub in " + settings.timeout().toSeconds() + " s", e);
        } catch (IOException e) {
            if (e.getCause() instanceof java.nio.channels.UnresolvedAddressException) throw noNetwork(repo, e);
            throw new HubException(built.uri() + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HubException("interrupted while talking to " + settings.endpoint(), e);
        }
    }

    private HubException noNetwork(String repo, Exception e) {
        return new HubException("cannot reach " + settings.endpoint() + " (" + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage())
                + ") to fetch " + repo + ", and the Hugging Face cache (" + settings.cache() + ") does not have it. Without a network, "
                + "copy the files into that cache (huggingface-cli download " + repo + " on a machine that has one) and run with --offline.", e);
    }

    /** Turns the hub's error answers into messages that say what to do. */
    private void check(HttpResponse<?> r, String repo, String revision, String file) {
        int status = r.statusCode();
        if (status < 400) return;
        String code = r.headers().firstValue("X-Error-Code").orElse("");
        String hubSays = r.headers().firstValue("X-Error-Message").map(m -> " The hub says: " + m).orElse("");
        String page = settings.endpoint() + "/" + repo;
        if (code.equals("GatedRepo") || ((status == 401 || status == 403) && !code.equals("RepoNotFound"))) {
            throw new HubException(repo + " is a gated model (HTTP " + status + "): accept its licence on " + page
                    + " while logged in, then set HF_TOKEN to an access token of that account (" + settings.endpoint()
                    + "/settings/tokens). " + (settings.token() == null ? "HF_TOKEN is not set." : "The token in use has no access to it yet.")
                    + hubSays);
        }
        if (code.equals("RevisionNotFound")) {
            throw new HubException(repo + " has no revision '" + revision + "' (HTTP " + status + "): give a branch, tag or commit with --revision." + hubSays);
        }
        if (code.equals("EntryNotFound") || (status == 404 && file != null && !code.equals("RepoNotFound"))) {
            throw new HubException(repo + " has no file " + file + (revision == null ? "" : " at revision " + revision)
                    + " (HTTP " + status + "); its files are listed on " + page + "/tree/" + (revision == null ? "main" : revision) + "." + hubSays);
        }
        if (code.equals("RepoNotFound") || status == 404) {
            throw new HubException("no repository " + repo + " on " + settings.endpoint() + " (HTTP " + status + "): check the name on "
                    + page + (settings.token() == null ? "; a private repository also needs HF_TOKEN" : "") + "." + hubSays);
        }
        throw new HubException(page + ": the hub answered HTTP " + status + (file == null ? "" : " for " + file) + "." + hubSays);
    }

    private URI resolveUri(String repo, String revision, String file) {
        StringBuilder path = new StringBuilder();
        for (String segment : file.split("/")) path.append('/').append(encode(segment));
        return URI.create(settings.endpoint() + "/" + repo + "/resolve/" + encode(revision) + path);
    }

    private boolean onHub(URI uri) {
        return uri.getHost() != null && uri.getHost().equalsIgnoreCase(settings.endpoint().getHost());
    }

    private static boolean isRedirect(int status) {
        return status >= 300 && status < 400;
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** {@code W/"abc"} and {@code "abc"} are both the ETag abc. */
    static String normalizeEtag(String etag) {
        String e = etag.strip();
        if (e.startsWith("W/")) e = e.substring(2);
        if (e.length() >= 2 && e.startsWith("\"") && e.endsWith("\"")) e = e.substring(1, e.length() - 1);
        return e;
    }

    static String megabytes(long bytes) {
        return bytes < 0 ? "? MB" : String.format(Locale.ROOT, "%.1f MB", bytes / 1e6);
    }
}
