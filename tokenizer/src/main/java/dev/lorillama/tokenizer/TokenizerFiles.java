package dev.lorillama.tokenizer;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/** Finds the tokenizer file of a checkpoint and reads it with the reader for its format. */
final class TokenizerFiles {
    private TokenizerFiles() {}

    static TokenizerParts read(Path fileOrDir) {
        Path file = Files.isDirectory(fileOrDir) ? find(fileOrDir) : fileOrDir;
        if (!Files.isRegularFile(file)) {
            throw new TokenizerException(file + ": no such tokenizer file");
        }
        byte[] head = head(file);
        if (startsWith(head, "GGUF")) {
            throw new TokenizerException(file + ": this is a GGUF model file; its tokenizer is read with the model. "
                    + "Expected a tokenizer.json, a tiktoken tokenizer.model, or a checkpoint directory");
        }
        String name = file.getFileName().toString();
        if (name.endsWith(".json") || name.endsWith(".json.gz") || firstNonBlank(head) == '{') {
            return HuggingFaceTokenizerJson.read(file);
        }
        return TiktokenModel.read(file);
    }

    private static Path find(Path dir) {
        for (String candidate : new String[] {"tokenizer.json", "tokenizer.json.gz", "tokenizer.model", "original/tokenizer.model"}) {
            Path p = dir.resolve(candidate);
            if (Files.isRegularFile(p)) return p;
        }
        throw new TokenizerException(dir + ": no tokenizer.json or tokenizer.model in this directory");
    }

    /** Opens the file, decompressing a .gz on the fly. */
    static InputStream open(Path file) throws IOException {
        InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        return file.getFileName().toString().endsWith(".gz") ? new BufferedInputStream(new GZIPInputStream(in, 1 << 16), 1 << 16) : in;
    }

    private static byte[] head(Path file) {
        try (InputStream in = open(file)) {
            return in.readNBytes(64);
        } catch (IOException e) {
            throw new TokenizerException(file + ": cannot read: " + e.getMessage(), e);
        }
    }

    private static boolean startsWith(byte[] head, String magic) {
        if (head.length < magic.length()) return false;
        for (int i = 0; i < magic.length(); i++) if (head[i] != magic.charAt(i)) return false;
        return true;
    }

    private static int firstNonBlank(byte[] head) {
        for (byte b : head) if (b != ' ' && b != '\n' && b != '\r' && b != '\t') return b;
        return -1;
    }
}
