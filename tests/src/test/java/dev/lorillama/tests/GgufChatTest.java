package dev.lorillama.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A GGUF file alone is enough to chat and tokenize: its tokenizer comes from its own metadata. */
class GgufChatTest {

    @Test
    void convertedModelChatsAndTokenizesWithItsEmbeddedTokenizer(@TempDir Path tmp) {
        Path gguf = tmp.resolve("tiny-f32.gguf");
        ChatJar.Result convert = ChatJar.run("", "convert", "--model", ChatFixture.MODEL.toString(), "--out", gguf.toString(), "--type", "f32");
        assertEquals(0, convert.exitCode(), convert.err());
        assertFalse(Files.exists(tmp.resolve("tokenizer.json")));

        ChatFixture.Expected e = ChatFixture.expected("chat", "base", "Hello");
        ChatJar.Result chat = ChatJar.run("", "--model", gguf.toString(), "--prompt", "Hello", "--temperature", "0", "--max-tokens", "12");
        assertEquals(0, chat.exitCode(), chat.err());
        assertEquals(e.reply() + "\n", chat.out());

        String text = "Hello <|eot_id|> wörld 123";
        ChatJar.Result fromGguf = ChatJar.run("", "tokenize", "--model", gguf.toString(), "--text", text);
        ChatJar.Result fromJson = ChatJar.run("", "tokenize", "--model", ChatFixture.MODEL.toString(), "--text", text);
        assertEquals(0, fromGguf.exitCode(), fromGguf.err());
        assertEquals(fromJson.out(), fromGguf.out());
        ChatJar.Result tokenizerFlag = ChatJar.run("", "tokenize", "--tokenizer", gguf.toString(), "--text", text);
        assertEquals(0, tokenizerFlag.exitCode(), "--tokenizer takes a .gguf file too: " + tokenizerFlag.err());
        assertEquals(fromJson.out(), tokenizerFlag.out());
    }
}
