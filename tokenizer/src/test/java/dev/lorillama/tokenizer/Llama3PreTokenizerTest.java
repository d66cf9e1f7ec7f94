package dev.lorillama.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The hand-written splitter against the Llama 3 regex itself, run by java.util.regex with its
 * classes spelled out the Unicode way (Java's own \s and (?i) differ from the reference).
 */
class Llama3PreTokenizerTest {
    private static final String WS = "\\t\\n\\x0B\\f\\r\\x20\\x85\\xA0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000";
    private static final Pattern REFERENCE = Pattern.compile(
            "'(?:[sS\\u017F]|[tT]|[rR][eE]|[vV][eE]|[mM]|[lL][lL]|[dD])"
                    + "|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+"
                    + "|\\p{N}{1,3}"
                    + "| ?[^" + WS + "\\p{L}\\p{N}]+[\\r\\n]*"
                    + "|[" + WS + "]*[\\r\\n]+"
                    + "|[" + WS + "]+(?![^" + WS + "])"
                    + "|[" + WS + "]+");

    static List<String> split(String text) {
        List<String> pieces = new ArrayList<>();
        for (int i = 0; i < text.length(); ) {
            int end = Llama3PreTokenizer.pieceEnd(text, i, text.length());
            pieces.add(text.substring(i, end));
            i = end;
        }
        return pieces;
    }

    static List<String> referenceSplit(String text) {
        List<String> pieces = new ArrayList<>();
        Matcher m = REFERENCE.matcher(text);
        while (m.find()) pieces.add(m.group());
        return pieces;
    }

    @Test
    void splitsTheCorpusLikeTheRegex() {
        for (Llama3TestData.Record r : Llama3TestData.corpus()) {
            assertEquals(referenceSplit(r.text()), split(r.text()), () -> "record " + r.line());
        }
    }

    @Test
    void splitsRandomTextLikeTheRegex() {
        int[] pool = {' ', ' ', '\t', '\n', '\r', 0x0B, 0x0C, 0x85, 0xA0, 0x2028, 0x3000, 0x200B, 0xFEFF, '\'', '\'',
                's', 'S', 't', 'r', 'e', 'E', 'v', 'm', 'l', 'L', 'd', 'x', 0x17F, 'a', 'Z', '0', '7', 0x663, 0xBD, 0x2167,
                '!', '.', '-', '<', '|', 0x301, 0x94D, 0x939, 0x4E2D, 0x1F600, 0x1F3FD, 0x200D, 0x1D7CE, 0x20000, 0x10FFFD, 0x378, 0xE9};
        Random random = new Random(42);
        for (int n = 0; n < 20_000; n++) {
            StringBuilder b = new StringBuilder();
            int length = random.nextInt(20);
            for (int i = 0; i < length; i++) b.appendCodePoint(pool[random.nextInt(pool.length)]);
            String text = b.toString();
            assertEquals(referenceSplit(text), split(text), () -> Llama3ConformanceTest.escape(text));
        }
    }

    @Test
    void whitespaceIsUnicodeWhiteSpaceNotJavaScriptWhitespace() {
        // Expected ids from Hugging Face tokenizers (Rust): U+0085 is White_Space, U+FEFF is not.
        Tokenizer t = Llama3TestData.tokenizer();
        assertArrayEquals(new int[] {64, 116360, 65}, t.encode("a\u0085b"));
        assertArrayEquals(new int[] {42516, 116360, 197, 10436}, t.encode("\u0080\u0085\t\tx"));
        assertArrayEquals(new int[] {87, 2188, 227, 379}, t.encode("x \u0085 y"));
        assertArrayEquals(new int[] {64, 3305, 65, 76880}, t.encode("a\uFEFFb \uFEFF"));
        assertArrayEquals(new int[] {3305, 3305, 15960}, t.encode("\uFEFF\uFEFF hi"));
    }

    @Test
    void contractionsFoldCaseTheUnicodeWay() {
        // Hugging Face tokenizers splits "it'ſx" as it | 'ſ | x: long s folds to s.
        assertEquals(List.of("it", "'\u017F", "x"), split("it'\u017Fx"));
        assertEquals(List.of("we", "'LL", "ama"), split("we'LLama"));
        assertEquals(List.of("DON", "'T"), split("DON'T"));
    }

    @Test
    void whitespaceBeforeAWordStaysWithTheWord() {
        assertEquals(List.of("x", "  \n\n", " ", " y"), split("x  \n\n  y"));
        assertEquals(List.of("a", "   "), split("a   "));
        assertEquals(List.of("123", "456", "7"), split("1234567"));
    }
}
