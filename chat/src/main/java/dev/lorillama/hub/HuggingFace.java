package dev.lorillama.hub;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * Models and adapters by Hugging Face name. The cache comes first: a snapshot that already holds
 * what is needed is used without any network, so what {@code huggingface-cli} or Transformers
 * fetched works offline. Otherwise the files are downloaded from the hub into the same cache
 * layout ({@link HubCache}), resumable and checked against the hub's hashes.
 *
 * <pre>{@code
 * HuggingFace hub = new HuggingFace(HubSettings.fromEnvironment(), DownloadListener.NONE);
 * Path gguf = hub.model("bartowski/Llama-3.2-1B-Instruct-GGUF:Q4_K_M", "main");
 * Path adapter = hub.adapter("tomg-group-umd/LoRI-S_nlu_llama3_rank_64", "main");
 * }</pre>
 */
public final class HuggingFace {
    public static final String DEFAULT_REVISION = "main";

    private final HubSettings settings;
    private final HubCache cache;
    private final DownloadListener listener;

    public HuggingFace(HubSettings settings, DownloadListener listener) {
        this.settings = settings;
        this.cache = new HubCache(settings.cache());
        this.listener = listener;
    }

    public HubSettings settings() {
        return settings;
    }

    /**
     * A model: the snapshot folder of a checkpoint repository, or the GGUF file that {@code :TYPE}
     * names (Q4_K_M when a GGUF repository has several and no type is given).
     */
    public Path model(String name, String revision) {
        return resolve(HubName.parse(name), revision, RepoLayout.MODEL);
    }

    /** A PEFT adapter: the snapshot folder holding adapter_config.json and adapter_model.safetensors. */
    public Path adapter(String name, String revision) {
        return resolve(HubName.parse(name), revision, RepoLayout.ADAPTER);
    }

    /** The model if the cache has all of it; never touches the network. */
    public Optional<Path> cachedModel(String name, String revision) {
        return cached(HubName.parse(name), revision, RepoLayout.MODEL);
    }

    /** What the hub says about a repository: commit, files and sizes, licence. */
    public RepoInfo repoInfo(String repo, String revision) {
        requireOnline(repo);
        return new HubClient(settings).repoInfo(repo, revision);
    }

    /** The GGUF file (or checkpoint files) a model name picks among a repository's files. */
    public static java.util.List<String> modelFiles(String name, RepoInfo info) {
        return RepoLayout.MODEL.choose(HubName.parse(name), info.fileNames()).files();
    }

    private Path resolve(HubName name, String revision, RepoLayout layout) {
        String rev = revision == null ? DEFAULT_REVISION : revision;
        Optional<Path> inCache = cached(name, rev, layout);
        if (inCache.isPresent()) return inCache.get();
        requireOnline(name.repo());
        HubClient client = new HubClient(settings);
        RepoInfo info = client.repoInfo(name.repo(), rev);
        RepoLayout.Wanted wanted = layout.choose(name, info.fileNames());
        try {
            for (String file : wanted.files()) fetch(client, name.repo(), info.commit(), file);
            cache.writeRef(name.repo(), rev, info.commit());
        } catch (IOException e) {
            throw new HubException("cannot write the Hugging Face cache " + cache.root() + ": " + e, e);
        }
        Path snapshot = cache.snapshotFolder(name.repo(), info.commit());
        return wanted.entry() == null ? snapshot : snapshot.resolve(wanted.entry());
    }

    private Optional<Path> cached(HubName name, String revision, RepoLayout layout) {
        Optional<Path> snapshot = cache.snapshot(name.repo(), revision == null ? DEFAULT_REVISION : revision);
        if (snapshot.isEmpty()) return Optional.empty();
        RepoLayout.Wanted wanted;
        try {
            wanted = layout.choose(name, HubCache.files(snapshot.get()));
        } catch (HubException notAllThere) {
            return Optional.empty();
        }
        if (!RepoLayout.complete(snapshot.get(), wanted)) return Optional.empty();
        return Optional.of(wanted.entry() == null ? snapshot.get() : snapshot.get().resolve(wanted.entry()));
    }

    private void requireOnline(String repo) {
        if (settings.offline()) {
            throw new HubException(repo + " is not (completely) in the Hugging Face cache " + settings.cache()
                    + ", and downloads are off (--offline or HF_HUB_OFFLINE). Run once without them to download it"
                    + ", or fetch it with huggingface-cli download " + repo + ".");
        }
    }

    /** Puts one file of a commit in the cache: its blob (downloaded unless another snapshot has it) and the snapshot's link. */
    private void fetch(HubClient client, String repo, String commit, String file) throws IOException {
        if (Files.isRegularFile(cache.snapshotFolder(repo, commit).resolve(file))) return;
        HubClient.FileMetadata meta = client.metadata(repo, commit, file);
        Path blob = cache.blob(repo, meta.etag());
        if (!Files.isRegularFile(blob)) {
            Path lock = cache.lockFile(repo, meta.etag());
            Files.createDirectories(lock.getParent());
            Files.createDirectories(blob.getParent());
            try (FileChannel channel = FileChannel.open(lock, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 FileLock held = channel.lock()) { // another process downloading the same blob: wait for it
                if (!Files.isRegularFile(blob)) {
                    Path partial = cache.incompleteBlob(repo, meta.etag());
                    boolean ok = false;
                    try {
                        client.download(repo, file, meta, partial, listener);
                        Files.move(partial, blob, StandardCopyOption.ATOMIC_MOVE);
                        ok = true;
                    } finally {
                        listener.finished(ok);
                    }
                }
            }
        }
        try {
            cache.link(repo, commit, file, meta.etag());
        } catch (FileSystemException | UnsupportedOperationException noSymlinks) {
            Path target = cache.snapshotFolder(repo, commit).resolve(file);
            Files.copy(blob, target, StandardCopyOption.REPLACE_EXISTING); // as huggingface_hub does where links are not allowed
        }
    }
}
