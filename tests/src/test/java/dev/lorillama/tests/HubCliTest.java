package dev.lorillama.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Hugging Face names through {@code java -jar chat.jar}, against {@link LoopbackHub}, as users run it. */
class HubCliTest {
    private LoopbackHub hub;
    @TempDir
    Path cache;

    @BeforeEach
    void startHub() {
        hub = new LoopbackHub();
        hub.repo("tiny-org/tiny-chat").directory(ChatFixture.MODEL);
        hub.repo("tiny-org/LoRI-D_nlu_tiny").directory(ChatFixture.NLU);
    }

    @AfterEach
    void stopHub() {
        hub.close();
    }

    private ChatJar.Result run(String stdin, Map<String, String> env, String... args) {
        List<String> command = new ArrayList<>(List.of(ChatJar.JAVA, "-jar", ChatJar.jar().toString()));
        command.addAll(List.of(args));
        return ChatJar.run(command, stdin, env, 60);
    }

    @Test
    void modelAndAdapterByNameAreDownloadedOnceThenUsedOffline() {
        Map<String, String> env = Map.of("HF_HUB_CACHE", cache.toString(), "HF_ENDPOINT", hub.endpoint().toString());
        ChatFixture.Expected e = ChatFixture.expected("chat", "nlu", "Hello");
        String[] args = {"--model", "tiny-org/tiny-chat", "--adapter", "tiny-org/LoRI-D_nlu_tiny", "--prompt", "Hello",
                "--temperature", "0", "--max-tokens", "12", "--threads", "1"};
        ChatJar.Result online = run("", env, args);
        assertEquals(0, online.exitCode(), online.err());
        assertEquals(e.reply() + "\n", online.out());
        assertTrue(online.err().contains("model.safetensors 100%"), online.err());
        assertFalse(online.err().contains("\r"), "stderr is a pipe here: whole lines, no \\r frames:\n" + online.err());

        int requests = hub.requests.size();
        List<String> offline = new ArrayList<>(List.of(args));
        offline.add("--offline");
        ChatJar.Result cached = run("", env, offline.toArray(String[]::new));
        assertEquals(0, cached.exitCode(), cached.err());
        assertEquals(e.reply() + "\n", cached.out());
        assertEquals(requests, hub.requests.size(), "the cache answered");

        ChatJar.Result missing = run("", Map.of("HF_HUB_CACHE", cache.toString(), "HF_HUB_OFFLINE", "1"),
                "--model", "tiny-org/other-model", "--prompt", "Hello");
        assertEquals(2, missing.exitCode());
        assertTrue(missing.messages().startsWith("error: tiny-org/other-model is not (completely) in the Hugging Face cache"), missing.err());
        assertEquals(1, missing.messages().lines().count(), missing.err());
    }

    @Test
    void withoutModelTheDefaultIsOfferedWithItsSizeAndLicenceAndNoMeansNothingIsDownloaded() {
        DefaultModelHub.serve(hub);
        ChatJar.Result declined = run("n\n", Map.of("HF_HUB_CACHE", cache.toString(), "HF_ENDPOINT", hub.endpoint().toString()),
                "--prompt", "Hello");
        assertEquals(2, declined.exitCode(), declined.err());
        assertTrue(declined.messages().startsWith("No --model given. The default model is bartowski/Llama-3.2-1B-Instruct-GGUF:Q4_K_M: "
                + "Llama-3.2-1B-Instruct-Q4_K_M.gguf, " + (int) Math.ceil(DefaultModelHub.gguf().length / 1e6) + " MB, licence llama3.2 (" + hub.endpoint() + "/bartowski/Llama-3.2-1B-Instruct-GGUF)."),
                declined.err());
        assertTrue(declined.err().contains("error: nothing downloaded, so no model to chat with"), declined.err());
        assertTrue(hub.requestsWith("/cdn/").isEmpty(), "nothing downloaded");
    }
}
