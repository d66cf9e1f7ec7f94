package dev.lorillama.tests;

import dev.lorillama.runtime.format.gguf.HfToGguf;
import dev.lorillama.runtime.tensor.DType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Puts a stand-in for chat.jar's default model on a {@link LoopbackHub}: the repository
 * bartowski/Llama-3.2-1B-Instruct-GGUF with the chat fixture converted to GGUF (F32, tokenizer
 * inside) under the name of the Q4_K_M file, beside other types, as the real repository lists them.
 */
final class DefaultModelHub {
    static final String REPO = "bartowski/Llama-3.2-1B-Instruct-GGUF";
    static final String FILE = "Llama-3.2-1B-Instruct-Q4_K_M.gguf";
    private static byte[] gguf;

    private DefaultModelHub() {}

    static synchronized byte[] gguf() {
        if (gguf == null) {
            try {
                Path dir = Files.createTempDirectory("default-model");
                Path file = dir.resolve("tiny.gguf");
                HfToGguf.convert(ChatFixture.MODEL, file, DType.F32);
                gguf = Files.readAllBytes(file);
                Files.delete(file);
                Files.delete(dir);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return gguf;
    }

    static void serve(LoopbackHub hub) {
        hub.repo(REPO).file(FILE, gguf()).file("Llama-3.2-1B-Instruct-Q8_0.gguf", "not this one".getBytes(StandardCharsets.UTF_8))
                .file("README.md", "# Llama-3.2-1B-Instruct GGUF\n".getBytes(StandardCharsets.UTF_8));
    }
}
