package dev.lorillama.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lorillama.api.GenerationSettings;
import dev.lorillama.api.Llama;
import dev.lorillama.api.LoadOptions;
import dev.lorillama.api.Session;
import dev.lorillama.hub.DownloadListener;
import dev.lorillama.hub.HubException;
import dev.lorillama.hub.HubName;
import dev.lorillama.hub.HubSettings;
import dev.lorillama.hub.HuggingFace;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Models and adapters by Hugging Face name, against {@link LoopbackHub} (the hub's URL layout on
 * a loopback port) and real cache folders: the cache layout huggingface_hub reads and writes,
 * cache first, downloads with redirects, resume and checksums, and the errors users meet.
 */
class HuggingFaceHubTest {
    private static final String MODEL_REPO = "tiny-org/tiny-chat";
    private LoopbackHub hub;
    @TempDir
    Path cache;

    @BeforeEach
    void startHub() {
        hub = new LoopbackHub();
        hub.repo(MODEL_REPO).directory(ChatFixture.MODEL).file("README.md", "# tiny\n".getBytes(StandardCharsets.UTF_8));
    }

    @AfterEach
    void stopHub() {
        hub.close();
    }

    private HuggingFace client(DownloadListener listener) {
        return new HuggingFace(new HubSettings(hub.endpoint(), cache, null, false, Duration.ofSeconds(10)), listener);
    }

    private HuggingFace client() {
        return client(DownloadListener.NONE);
    }

    @Test
    void settingsComeFromTheEnvironmentVariablesHuggingfaceHubReads(@TempDir Path home) throws Exception {
        HubSettings plain = HubSettings.fromEnvironment(Map.of(), home);
        assertEquals(home.resolve(".cache/huggingface/hub"), plain.cache());
        assertEquals(URI.create("https://huggingface.co"), plain.endpoint());
        assertEquals(null, plain.token());
        assertFalse(plain.offline());
        assertEquals(Path.of("/x/hf/hub"), HubSettings.fromEnvironment(Map.of("HF_HOME", "/x/hf"), home).cache());
        assertEquals(Path.of("/xdg/huggingface/hub"), HubSettings.fromEnvironment(Map.of("XDG_CACHE_HOME", "/xdg"), home).cache());
        assertEquals(Path.of("/c"), HubSettings.fromEnvironment(Map.of("HF_HOME", "/x", "HF_HUB_CACHE", "/c"), home).cache());
        assertEquals(Path.of("/old"), HubSettings.fromEnvironment(Map.of("HUGGINGFACE_HUB_CACHE", "/old"), home).cache());
        assertEquals(home.resolve("hfc"), HubSettings.fromEnvironment(Map.of("HF_HUB_CACHE", "~/hfc"), home).cache());
        assertTrue(HubSettings.fromEnvironment(Map.of("HF_HUB_OFFLINE", "1"), home).offline());
        assertTrue(HubSettings.fromEnvironment(Map.of("HF_HUB_OFFLINE", "TRUE"), home).offline());
        assertFalse(HubSettings.fromEnvironment(Map.of("HF_HUB_OFFLINE", "0"), home).offline());
        assertEquals(URI.create("http://mirror:8080"), HubSettings.fromEnvironment(Map.of("HF_ENDPOINT", "http://mirror:8080/"), home).endpoint());
        // the token: HF_TOKEN, else the file huggingface-cli login writes
        Files.createDirectories(home.resolve(".cache/huggingface"));
        Files.writeString(home.resolve(".cache/huggingface/token"), "hf_fromfile\n");
        assertEquals("hf_fromfile", HubSettings.fromEnvironment(Map.of(), home).token());
        assertEquals("hf_env", HubSettings.fromEnvironment(Map.of("HF_TOKEN", "hf_env"), home).token());
    }

    @Test
    void namesAreOrgSlashRepoWithAnOptionalTypeAndExistingPathsStayPaths() {
        assertEquals(new HubName("bartowski/Llama-3.2-1B-Instruct-GGUF", "Q4_K_M"), HubName.parse("bartowski/Llama-3.2-1B-Instruct-GGUF:Q4_K_M"));
        assertEquals(new HubName("meta-llama/Llama-3.2-1B-Instruct", null), HubName.parse("meta-llama/Llama-3.2-1B-Instruct"));
        assertTrue(HubName.isHubName("tomg-group-umd/LoRI-S_nlu_llama3_rank_64"));
        assertFalse(HubName.isHubName("/abs/path"));
        assertFalse(HubName.isHubName("model.gguf"));
        assertFalse(HubName.isHubName("a/b/c"));
        assertTrue(HubName.isHubName("src/nothing-here"));
        assertFalse(HubName.isHubName("src/test"), "an existing relative path stays a path"); // the working directory is tests/
    }

    @Test
    void downloadLaysOutTheCacheAsHuggingfaceHubDoesAndTheSecondCallNeedsNoNetwork() throws Exception {
        List<String> downloaded = new ArrayList<>();
        Path dir = client(new DownloadListener() {
            @Override
            public void started(String file, long totalBytes, long resumedFrom) {
                downloaded.add(file);
            }
        }).model(MODEL_REPO, "main");
        Path repoFolder = cache.resolve("models--tiny-org--tiny-chat");
        String commit = Files.readString(repoFolder.resolve("refs/main"));
        assertEquals(repoFolder.resolve("snapshots").resolve(commit), dir);
        List<String> fixtureFiles;
        try (var files = Files.list(ChatFixture.MODEL)) {
            fixtureFiles = files.map(f -> f.getFileName().toString()).sorted().toList();
        }
        assertEquals(fixtureFiles, downloaded.stream().sorted().toList(), "the checkpoint's files; README.md is not needed");
        assertEquals("config.json", downloaded.get(0));
        for (String file : downloaded) {
            Path link = dir.resolve(file);
            assertTrue(Files.isSymbolicLink(link), file);
            byte[] content = Files.readAllBytes(ChatFixture.MODEL.resolve(file));
            String etag = LoopbackHub.isLfs(file) ? LoopbackHub.sha256Hex(content) : LoopbackHub.gitSha1(content);
            assertEquals(Path.of("../../blobs/" + etag), Files.readSymbolicLink(link), file);
            assertArrayEquals(content, Files.readAllBytes(link), file);
        }
        assertTrue(hub.requestsWith("/cdn/").size() == 1, "the weights came from the CDN redirect: " + hub.requests);
        assertTrue(hub.requestsWith("Auth").isEmpty());

        int before = hub.requests.size();
        assertEquals(dir, client().model(MODEL_REPO, "main"));
        assertEquals(dir, client().model(MODEL_REPO, commit), "a commit hash names its snapshot");
        assertEquals(before, hub.requests.size(), "the cache answers: no request");

        try (Llama llama = Llama.load(dir, LoadOptions.defaults().threads(1)); Session s = llama.newSession()) {
            ChatFixture.Expected e = ChatFixture.expected("chat", "base", "Hello");
            assertEquals(e.reply(), s.chat("Hello", GenerationSettings.greedy(e.maxTokens()), p -> {}).text());
        }
    }

    @Test
    void aCacheWrittenByHuggingfaceHubIsFoundOffline() throws Exception {
        // the layout hf_hub_download leaves: blobs named by ETag, relative links in snapshots/COMMIT, refs/main
        String commit = "0123456789abcdef0123456789abcdef01234567";
        Path repo = cache.resolve("models--meta-llama--Llama-3.2-1B-Instruct");
        Files.createDirectories(repo.resolve("refs"));
        Files.writeString(repo.resolve("refs/main"), commit);
        Path snapshot = Files.createDirectories(repo.resolve("snapshots").resolve(commit));
        Files.createDirectories(repo.resolve("blobs"));
        try (var files = Files.list(ChatFixture.MODEL)) {
            for (Path f : files.toList()) {
                byte[] content = Files.readAllBytes(f);
                String etag = LoopbackHub.sha256Hex(content);
                Files.write(repo.resolve("blobs").resolve(etag), content);
                Files.createSymbolicLink(snapshot.resolve(f.getFileName()), Path.of("../../blobs").resolve(etag));
            }
        }
        HubSettings offline = new HubSettings(URI.create("http://127.0.0.1:9"), cache, null, true, Duration.ofSeconds(1));
        assertEquals(snapshot, new HuggingFace(offline, DownloadListener.NONE).model("meta-llama/Llama-3.2-1B-Instruct", "main"));
        HubException missing = assertThrows(HubException.class,
                () -> new HuggingFace(offline, DownloadListener.NONE).model("meta-llama/Llama-3.2-3B-Instruct", "main"));
        assertTrue(missing.getMessage().contains("not (completely) in the Hugging Face cache " + cache), missing.getMessage());
        assertTrue(missing.getMessage().contains("--offline or HF_HUB_OFFLINE"), missing.getMessage());
    }

    @Test
    void aTypePicksThatGgufFileAndWithoutOneQ4KMIsTheDefault() throws Exception {
        byte[] q4 = "GGUF q4_k_m stand-in".getBytes(StandardCharsets.UTF_8);
        byte[] q8 = "GGUF q8_0 stand-in".getBytes(StandardCharsets.UTF_8);
        hub.repo("org/Tiny-GGUF").file("Tiny-Q4_K_M.gguf", q4).file("Tiny-Q8_0.gguf", q8).file("README.md", new byte[] {'#'});
        Path q8Path = client().model("org/Tiny-GGUF:Q8_0", "main");
        assertEquals("Tiny-Q8_0.gguf", q8Path.getFileName().toString());
        assertArrayEquals(q8, Files.readAllBytes(q8Path));
        assertTrue(hub.requestsWith("Q4_K_M").isEmpty(), "only the asked type is fetched");
        assertArrayEquals(q4, Files.readAllBytes(client().model("org/Tiny-GGUF:q4_k_m", "main")), "types match case-insensitively");
        assertArrayEquals(q4, Files.readAllBytes(client().model("org/Tiny-GGUF", "main")));
        HubException none = assertThrows(HubException.class, () -> client().model("org/Tiny-GGUF:Q5_K_S", "main"));
        assertTrue(none.getMessage().contains("no GGUF file of type Q5_K_S") && none.getMessage().contains("types: Q4_K_M, Q8_0"), none.getMessage());
    }

    @Test
    void aPartialFileIsResumedWithARangeRequestAndADroppedConnectionResumesItself() throws Exception {
        byte[] weights = Files.readAllBytes(ChatFixture.MODEL.resolve("model.safetensors"));
        String sha = LoopbackHub.sha256Hex(weights);
        Path blobs = Files.createDirectories(cache.resolve("models--tiny-org--tiny-chat/blobs"));
        Files.write(blobs.resolve(sha + ".incomplete"), java.util.Arrays.copyOf(weights, 1000)); // an earlier run broke off here
        hub.dropOnce(weights, 5000); // and this run's connection breaks once more
        long[] resumedFrom = {-1};
        Path dir = client(new DownloadListener() {
            @Override
            public void started(String file, long totalBytes, long resumed) {
                if (file.equals("model.safetensors")) resumedFrom[0] = resumed;
            }
        }).model(MODEL_REPO, "main");
        assertEquals(1000, resumedFrom[0]);
        assertEquals(List.of("GET /cdn/" + sha + " Range:bytes=1000-", "GET /cdn/" + sha + " Range:bytes=6000-"), hub.requestsWith("GET /cdn/"));
        assertArrayEquals(weights, Files.readAllBytes(dir.resolve("model.safetensors")));
        assertFalse(Files.exists(blobs.resolve(sha + ".incomplete")));
    }

    @Test
    void aCorruptDownloadIsRefusedAndNotCached() throws Exception {
        byte[] weights = Files.readAllBytes(ChatFixture.MODEL.resolve("model.safetensors"));
        hub.corrupt(weights);
        HubException e = assertThrows(HubException.class, () -> client().model(MODEL_REPO, "main"));
        assertTrue(e.getMessage().contains("model.safetensors from tiny-org/tiny-chat is corrupt: its sha256 is"), e.getMessage());
        assertTrue(e.getMessage().contains("the hub says " + LoopbackHub.sha256Hex(weights)), e.getMessage());
        Path blobs = cache.resolve("models--tiny-org--tiny-chat/blobs");
        try (var left = Files.list(blobs)) {
            assertTrue(left.noneMatch(p -> p.getFileName().toString().startsWith(LoopbackHub.sha256Hex(weights))), "nothing kept");
        }
        assertFalse(Files.exists(cache.resolve("models--tiny-org--tiny-chat/refs/main")), "no snapshot announced");
    }

    @Test
    void aRenamedRepositoryIsFollowedThroughTheHubsRelativeRedirect() {
        hub.rename("old-org/tiny-chat", MODEL_REPO);
        Path dir = client().model("old-org/tiny-chat", "main");
        assertTrue(Files.isRegularFile(dir.resolve("model.safetensors")));
        assertFalse(hub.requestsWith("HEAD /tiny-org/tiny-chat/resolve/").isEmpty(), hub.requests.toString());
        assertTrue(Files.isDirectory(cache.resolve("models--old-org--tiny-chat/snapshots")), "cached under the name asked for, as huggingface_hub does");
    }

    @Test
    void aGatedModelSaysToAcceptTheLicenceAndSetHfTokenAndWorksWithTheToken() {
        hub.repo("meta-llama/Gated").directory(ChatFixture.MODEL).gatedToken = "hf_accepted";
        HubException noToken = assertThrows(HubException.class, () -> client().model("meta-llama/Gated", "main"));
        assertTrue(noToken.getMessage().startsWith("meta-llama/Gated is a gated model (HTTP 401): accept its licence on "
                + hub.endpoint() + "/meta-llama/Gated"), noToken.getMessage());
        assertTrue(noToken.getMessage().contains("set HF_TOKEN") && noToken.getMessage().contains("HF_TOKEN is not set"), noToken.getMessage());

        HubSettings wrong = new HubSettings(hub.endpoint(), cache, "hf_other", false, Duration.ofSeconds(10));
        HubException noAccess = assertThrows(HubException.class, () -> new HuggingFace(wrong, DownloadListener.NONE).model("meta-llama/Gated", "main"));
        assertTrue(noAccess.getMessage().contains("(HTTP 403)") && noAccess.getMessage().contains("has no access"), noAccess.getMessage());

        HubSettings token = wrong.withToken("hf_accepted");
        assertTrue(Files.isDirectory(new HuggingFace(token, DownloadListener.NONE).model("meta-llama/Gated", "main")));
        assertTrue(hub.requestsWith("HEAD /meta-llama/Gated/resolve/").stream().anyMatch(r -> r.endsWith(" Auth")));
        assertTrue(hub.requestsWith("/cdn/").stream().noneMatch(r -> r.endsWith(" Auth")), "the token stays on the hub: " + hub.requests);
    }

    @Test
    void missingRepositoryRevisionAndFileAreNamed() {
        HubException repo = assertThrows(HubException.class, () -> client().model("nobody/nothing", "main"));
        assertTrue(repo.getMessage().startsWith("no repository nobody/nothing on " + hub.endpoint()), repo.getMessage());
        HubException revision = assertThrows(HubException.class, () -> client().model(MODEL_REPO, "v9"));
        assertTrue(revision.getMessage().contains("has no revision 'v9'"), revision.getMessage());
        hub.repo("org/not-a-model").file("README.md", new byte[] {'#'});
        HubException files = assertThrows(HubException.class, () -> client().model("org/not-a-model", "main"));
        assertTrue(files.getMessage().contains("neither a Hugging Face checkpoint"), files.getMessage());
        HubException adapter = assertThrows(HubException.class, () -> client().adapter(MODEL_REPO, "main"));
        assertTrue(adapter.getMessage().contains("is not a PEFT adapter: it has no adapter_config.json"), adapter.getMessage());
    }

    @Test
    void noNetworkSaysSoAndNamesTheCache() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        HubSettings unreachable = new HubSettings(URI.create("http://127.0.0.1:" + closedPort), cache, null, false, Duration.ofSeconds(5));
        HubException e = assertThrows(HubException.class, () -> new HuggingFace(unreachable, DownloadListener.NONE).model(MODEL_REPO, "main"));
        assertTrue(e.getMessage().startsWith("cannot reach http://127.0.0.1:" + closedPort), e.getMessage());
        assertTrue(e.getMessage().contains("the Hugging Face cache (" + cache + ") does not have it"), e.getMessage());
        assertTrue(e.getMessage().contains("--offline"), e.getMessage());
    }

    @Test
    void anAdapterByNameIsFetchedAndAppliedLikeItsDirectory() {
        hub.repo("tomg-group-umd/LoRI-S_nlu_tiny").directory(ChatFixture.NLU);
        Path adapter = client().adapter("tomg-group-umd/LoRI-S_nlu_tiny", "main");
        assertTrue(Files.isRegularFile(adapter.resolve("adapter_config.json")));
        ChatFixture.Expected e = ChatFixture.expected("chat", "nlu", "Hello");
        try (Llama llama = Llama.load(ChatFixture.MODEL, LoadOptions.defaults().threads(1).adapter("nlu", adapter)
                .defaultMix(dev.lorillama.api.AdapterMix.of("nlu"))); Session s = llama.newSession()) {
            assertEquals(e.reply(), s.chat("Hello", GenerationSettings.greedy(e.maxTokens()), p -> {}).text());
        }
    }
}
