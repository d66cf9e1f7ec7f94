package dev.lorillama.tests;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Hugging Face hub on a loopback port, serving the hub's URL layout the way huggingface.co
 * answers huggingface_hub: {@code GET /api/models/REPO/revision/REV} (commit, siblings with
 * sizes, card licence), {@code HEAD|GET /REPO/resolve/REV/FILE} (X-Repo-Commit, ETag = git sha1
 * for small files; a 302 to the CDN with X-Linked-Etag = sha256 and X-Linked-Size for LFS files),
 * the CDN (on 127.0.0.2: another host, as it is) with Range requests, relative redirects for renamed repositories, and the X-Error-Code
 * errors (RepoNotFound, RevisionNotFound, EntryNotFound, GatedRepo). Everything it is asked is
 * recorded, so tests can say what crossed the wire.
 */
final class LoopbackHub implements AutoCloseable {
    private static final Pattern API = Pattern.compile("/api/models/([^/]+/[^/]+)/revision/([^/?]+)");
    private static final Pattern RESOLVE = Pattern.compile("/([^/]+/[^/]+)/resolve/([^/]+)/(.+)");
    private static final Pattern CDN = Pattern.compile("/cdn/([0-9a-f]{64})");

    /** A repository: its commit, files, and what is special about it. */
    static final class Repo {
        final String id;
        final String commit;
        final Map<String, byte[]> files = new LinkedHashMap<>();
        String license = "llama3.2";
        String gatedToken; // non-null: gated, this token has accepted the licence

        Repo(String id, String commit) {
            this.id = id;
            this.commit = commit;
        }

        Repo file(String name, byte[] content) {
            files.put(name, content);
            return this;
        }

        /** Every file of a local directory (a checkpoint or an adapter). */
        Repo directory(Path dir) {
            try (var list = Files.list(dir)) {
                for (Path f : list.sorted().toList()) file(f.getFileName().toString(), Files.readAllBytes(f));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return this;
        }
    }

    private final HttpServer server;
    private final HttpServer cdnServer;
    private final Map<String, Repo> repos = new ConcurrentHashMap<>();
    private final Map<String, String> renamed = new ConcurrentHashMap<>();
    private final Map<String, byte[]> cdn = new ConcurrentHashMap<>();
    private final Map<String, Integer> dropAfter = new ConcurrentHashMap<>(); // sha256 -> bytes sent before the connection drops, once
    private final Map<String, byte[]> corruptOnCdn = new ConcurrentHashMap<>();
    final List<String> requests = Collections.synchronizedList(new ArrayList<>());

    LoopbackHub() {
        server = start(new byte[] {127, 0, 0, 1});
        cdnServer = start(new byte[] {127, 0, 0, 2}); // another loopback address: another host name, as the CDN is
    }

    private HttpServer start(byte[] address) {
        try {
            HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getByAddress(address), 0), 0);
            s.createContext("/", this::handle);
            s.setExecutor(Executors.newCachedThreadPool(r -> {
                Thread t = new Thread(r, "loopback-hub");
                t.setDaemon(true);
                return t;
            }));
            s.start();
            return s;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    Repo repo(String id) {
        Repo r = new Repo(id, HexFormat.of().formatHex(sha256(id.getBytes(StandardCharsets.UTF_8))).substring(0, 40));
        repos.put(id, r);
        return r;
    }

    /** A repository that moved: its old name answers with a relative redirect, as the hub does. */
    void rename(String from, String to) {
        renamed.put(from, to);
    }

    /** The next CDN download of this content sends {@code bytes} and then drops the connection. */
    void dropOnce(byte[] content, int bytes) {
        dropAfter.put(sha256Hex(content), bytes);
    }

    /** The CDN serves other bytes for this content than its hash says. */
    void corrupt(byte[] content) {
        byte[] bad = content.clone();
        bad[bad.length / 2] ^= 0x5a;
        corruptOnCdn.put(sha256Hex(content), bad);
    }

    /** The requests seen so far whose line contains {@code part}. */
    List<String> requestsWith(String part) {
        synchronized (requests) {
            return requests.stream().filter(r -> r.contains(part)).toList();
        }
    }

    static boolean isLfs(String file) {
        return file.endsWith(".safetensors") || file.endsWith(".gguf");
    }

    static String sha256Hex(byte[] content) {
        return HexFormat.of().formatHex(sha256(content));
    }

    /** Git's blob id: sha1 of "blob SIZE\0" and the contents. */
    static String gitSha1(byte[] content) {
        try {
            MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
            sha1.update(("blob " + content.length + "\0").getBytes(StandardCharsets.US_ASCII));
            return HexFormat.of().formatHex(sha1.digest(content));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] sha256(byte[] content) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(content);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private void handle(HttpExchange ex) throws IOException {
        String path = URLDecoder.decode(ex.getRequestURI().getRawPath(), StandardCharsets.UTF_8);
        String range = ex.getRequestHeaders().getFirst("Range");
        String auth = ex.getRequestHeaders().getFirst("Authorization");
        requests.add(ex.getRequestMethod() + " " + path + (range == null ? "" : " Range:" + range) + (auth == null ? "" : " Auth"));
        try (ex) {
            Matcher m;
            if ((m = API.matcher(path)).matches()) repoInfo(ex, m.group(1), m.group(2));
            else if ((m = RESOLVE.matcher(path)).matches()) resolve(ex, m.group(1), m.group(2), m.group(3));
            else if ((m = CDN.matcher(path)).matches()) cdn(ex, m.group(1), range);
            else error(ex, 404, null);
        }
    }

    private void repoInfo(HttpExchange ex, String id, String revision) throws IOException {
        if (renamed.containsKey(id)) {
            ex.getResponseHeaders().add("Location", "/api/models/" + renamed.get(id) + "/revision/" + revision);
            ex.sendResponseHeaders(307, -1);
            return;
        }
        Repo repo = repos.get(id);
        if (repo == null) {
            error(ex, 401, "RepoNotFound"); // the hub does not tell a missing repository from a private one
            return;
        }
        if (!revision.equals("main") && !revision.equals(repo.commit)) {
            error(ex, 404, "RevisionNotFound");
            return;
        }
        ObjectMapper json = new ObjectMapper();
        ObjectNode info = json.createObjectNode().put("id", id).put("sha", repo.commit);
        info.put("gated", repo.gatedToken == null ? "false" : "manual");
        info.putObject("cardData").put("license", repo.license);
        ArrayNode siblings = info.putArray("siblings");
        repo.files.forEach((name, content) -> {
            ObjectNode s = siblings.addObject().put("rfilename", name).put("size", content.length);
            if (isLfs(name)) s.putObject("lfs").put("sha256", sha256Hex(content)).put("size", content.length).put("pointerSize", 134);
        });
        send(ex, 200, json.writeValueAsBytes(info), Map.of("Content-Type", "application/json"));
    }

    private void resolve(HttpExchange ex, String id, String revision, String file) throws IOException {
        if (renamed.containsKey(id)) {
            ex.getResponseHeaders().add("Location", "/" + renamed.get(id) + "/resolve/" + revision + "/" + file);
            ex.sendResponseHeaders(307, -1);
            return;
        }
        Repo repo = repos.get(id);
        if (repo == null) {
            error(ex, 401, "RepoNotFound");
            return;
        }
        if (repo.gatedToken != null && !("Bearer " + repo.gatedToken).equals(ex.getRequestHeaders().getFirst("Authorization"))) {
            error(ex, ex.getRequestHeaders().containsKey("Authorization") ? 403 : 401, "GatedRepo");
            return;
        }
        if (!revision.equals("main") && !revision.equals(repo.commit)) {
            error(ex, 404, "RevisionNotFound");
            return;
        }
        byte[] content = repo.files.get(file);
        if (content == null) {
            error(ex, 404, "EntryNotFound");
            return;
        }
        var h = ex.getResponseHeaders();
        h.add("X-Repo-Commit", repo.commit);
        if (isLfs(file)) {
            String sha = sha256Hex(content);
            cdn.put(sha, content);
            h.add("ETag", "\"" + gitSha1(("version https://git-lfs.github.com/spec/v1\noid sha256:" + sha).getBytes(StandardCharsets.UTF_8)) + "\"");
            h.add("X-Linked-Etag", "\"" + sha + "\"");
            h.add("X-Linked-Size", Integer.toString(content.length));
            h.add("Location", "http://127.0.0.2:" + cdnServer.getAddress().getPort() + "/cdn/" + sha);
            ex.sendResponseHeaders(302, -1);
            return;
        }
        h.add("ETag", "\"" + gitSha1(content) + "\"");
        send(ex, 200, content, Map.of());
    }

    private void cdn(HttpExchange ex, String sha, String range) throws IOException {
        byte[] content = cdn.get(sha);
        if (content == null) {
            error(ex, 404, null);
            return;
        }
        content = corruptOnCdn.getOrDefault(sha, content);
        long from = 0;
        if (range != null) {
            Matcher m = Pattern.compile("bytes=(\\d+)-").matcher(range);
            if (!m.matches()) throw new IOException("unexpected Range " + range);
            from = Long.parseLong(m.group(1));
            if (from >= content.length) {
                ex.getResponseHeaders().add("Content-Range", "bytes */" + content.length);
                ex.sendResponseHeaders(416, -1);
                return;
            }
            ex.getResponseHeaders().add("Content-Range", "bytes " + from + "-" + (content.length - 1) + "/" + content.length);
        }
        ex.getResponseHeaders().add("ETag", "\"" + sha + "\"");
        if (ex.getRequestMethod().equals("HEAD")) {
            ex.sendResponseHeaders(range == null ? 200 : 206, -1);
            return;
        }
        int length = content.length - (int) from;
        ex.sendResponseHeaders(range == null ? 200 : 206, length);
        Integer drop = dropAfter.remove(sha);
        OutputStream out = ex.getResponseBody();
        if (drop != null && drop < length) {
            out.write(content, (int) from, drop);
            out.flush();
            throw new IOException("dropping the connection after " + drop + " bytes, as the test asked");
        }
        out.write(content, (int) from, length);
    }

    private static void error(HttpExchange ex, int status, String code) throws IOException {
        if (code != null) {
            ex.getResponseHeaders().add("X-Error-Code", code);
            ex.getResponseHeaders().add("X-Error-Message", code + " (loopback hub)");
        }
        send(ex, status, ("{\"error\": \"" + (code == null ? "not found" : code) + "\"}").getBytes(StandardCharsets.UTF_8), Map.of());
    }

    private static void send(HttpExchange ex, int status, byte[] body, Map<String, String> headers) throws IOException {
        headers.forEach(ex.getResponseHeaders()::add);
        if (ex.getRequestMethod().equals("HEAD")) {
            ex.getResponseHeaders().add("Content-Length", Integer.toString(body.length));
            ex.sendResponseHeaders(status, -1);
            return;
        }
        ex.sendResponseHeaders(status, body.length);
        ex.getResponseBody().write(body);
    }

    @Override
    public void close() {
        server.stop(0);
        cdnServer.stop(0);
    }
}
