package dev.lorillama.hub;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The Hugging Face cache as huggingface_hub lays it out ({@code file_download.py}), so that what
 * {@code huggingface-cli download} or Transformers fetched is found here and what we fetch is found
 * there:
 *
 * <pre>
 * HF_HUB_CACHE/models--ORG--NAME/
 *   refs/main                        the commit hash that "main" pointed to when last resolved
 *   blobs/ETAG                       file contents, named by the hub's ETag: sha256 (LFS) or git sha1
 *   blobs/ETAG.incomplete            a download in progress (resumed with an HTTP Range request)
 *   snapshots/COMMIT/FILE            relative symlink to ../../blobs/ETAG
 * HF_HUB_CACHE/.locks/models--ORG--NAME/ETAG.lock
 * </pre>
 */
public final class HubCache {
    private static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}");

    private final Path root;

    public HubCache(Path root) {
        this.root = root;
    }

    public Path root() {
        return root;
    }

    /** {@code models--ORG--NAME}: one folder per model repository. */
    public Path repoFolder(String repo) {
        return root.resolve("models--" + repo.replace("/", "--"));
    }

    static boolean isCommitHash(String revision) {
        return COMMIT.matcher(revision).matches();
    }

    /** The commit a revision stands for: itself when it is a commit hash, else what refs/REVISION says. */
    public Optional<String> commit(String repo, String revision) {
        if (isCommitHash(revision)) return Optional.of(revision);
        Path ref = repoFolder(repo).resolve("refs").resolve(revision);
        try {
            if (!Files.isRegularFile(ref)) return Optional.empty();
            String commit = Files.readString(ref, StandardCharsets.UTF_8).strip();
            return commit.isEmpty() ? Optional.empty() : Optional.of(commit);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The snapshot folder of a revision, when the cache knows it. */
    public Optional<Path> snapshot(String repo, String revision) {
        return commit(repo, revision).map(c -> snapshotFolder(repo, c)).filter(Files::isDirectory);
    }

    Path snapshotFolder(String repo, String commit) {
        return repoFolder(repo).resolve("snapshots").resolve(commit);
    }

    /** The files of a snapshot whose contents are there (a link to a missing blob does not count), as repo paths. */
    static List<String> files(Path snapshot) {
        List<String> names = new ArrayList<>();
        try (Stream<Path> all = Files.walk(snapshot)) {
            all.filter(Files::isRegularFile).forEach(p -> names.add(snapshot.relativize(p).toString().replace('\\', '/')));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        names.sort(null);
        return names;
    }

    /** Records that {@code revision} (a branch or tag) now points at {@code commit}. */
    void writeRef(String repo, String revision, String commit) throws IOException {
        if (isCommitHash(revision)) return;
        Path ref = repoFolder(repo).resolve("refs").resolve(revision);
        if (Files.isRegularFile(ref) && Files.readString(ref, StandardCharsets.UTF_8).equals(commit)) return;
        Files.createDirectories(ref.getParent());
        Files.writeString(ref, commit, StandardCharsets.UTF_8);
    }

    Path blob(String repo, String etag) {
        return repoFolder(repo).resolve("blobs").resolve(etag);
    }

    Path incompleteBlob(String repo, String etag) {
        return repoFolder(repo).resolve("blobs").resolve(etag + ".incomplete");
    }

    Path lockFile(String repo, String etag) {
        return root.resolve(".locks").resolve(repoFolder(repo).getFileName()).resolve(etag + ".lock");
    }

    /** Points snapshots/COMMIT/FILE at its blob with a relative link, as huggingface_hub does; returns the link. */
    Path link(String repo, String commit, String file, String etag) throws IOException {
        Path link = snapshotFolder(repo, commit).resolve(file);
        Files.createDirectories(link.getParent());
        Files.deleteIfExists(link);
        Files.createSymbolicLink(link, link.getParent().relativize(blob(repo, etag)));
        return link;
    }
}
