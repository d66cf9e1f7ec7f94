package dev.lorillama.tokenizer;

/**
 * Splits text into the pieces that BPE then encodes one by one, exactly as the Llama 3 regex
 * <pre>
 * (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
 * </pre>
 * does with Unicode semantics (\s is the White_Space property, \p{L} and \p{N} are general
 * categories, and the contractions fold case the Unicode way, so 'ſ counts as 's).
 *
 * <p>Written by hand rather than with {@link java.util.regex.Pattern}: Java's \s and case folding
 * differ from the reference, and a state machine that knows the alternatives are tried in order
 * needs no backtracking and no allocation. Each method below is one alternative of the regex.
 */
final class Llama3PreTokenizer {
    /** The regex, as tokenizer.json spells it; other split patterns are other tokenizers. */
    static final String PATTERN =
            "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    // Character classes; NEWLINE (\r, \n) is also whitespace.
    private static final byte OTHER = 0, LETTER = 1, NUMBER = 2, SPACE = 3, NEWLINE = 4;
    private static final byte[] ASCII = new byte[128];

    static {
        for (int c = 0; c < 128; c++) ASCII[c] = classifySlow(c);
    }

    private Llama3PreTokenizer() {}

    /** End (exclusive, in chars) of the piece that starts at {@code start}; {@code end} ends the text. */
    static int pieceEnd(String s, int start, int end) {
        int c = s.codePointAt(start);
        int cls = classify(c);
        int next = start + Character.charCount(c);

        int m = contraction(s, start, end);
        if (m > 0) return m;
        if (cls == LETTER) return letters(s, next, end);
        if (cls != NEWLINE && cls != NUMBER && next < end && classify(s.codePointAt(next)) == LETTER) {
            return letters(s, next, end); // [^\r\n\p{L}\p{N}]\p{L}+
        }
        if (cls == NUMBER) return digits(s, next, end);
        if (cls == OTHER) return punctuation(s, next, end);
        if (c == ' ' && next < end && classify(s.codePointAt(next)) == OTHER) return punctuation(s, next, end);
        return whitespace(s, start, end);
    }

    /** {@code (?i:'s|'t|'re|'ve|'m|'ll|'d)}: end of the match, or -1. */
    private static int contraction(String s, int i, int end) {
        if (s.charAt(i) != '\'' || i + 1 >= end) return -1;
        char a = fold(s.charAt(i + 1));
        if (a == 's' || a == 't' || a == 'm' || a == 'd') return i + 2;
        if (i + 2 >= end) return -1;
        char b = fold(s.charAt(i + 2));
        if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) return i + 3;
        return -1;
    }

    /** Simple Unicode case folding, for the letters of the contractions only. */
    private static char fold(char c) {
        if (c >= 'A' && c <= 'Z') return (char) (c + ('a' - 'A'));
        if (c == '\u017F') return 's'; // LATIN SMALL LETTER LONG S folds to s
        return c;
    }

    /** {@code \p{L}*} from i. */
    private static int letters(String s, int i, int end) {
        while (i < end) {
            int c = s.codePointAt(i);
            if (classify(c) != LETTER) break;
            i += Character.charCount(c);
        }
        return i;
    }

    /** Up to two more {@code \p{N}} from i (the first one is already taken). */
    private static int digits(String s, int i, int end) {
        for (int n = 1; n < 3 && i < end; n++) {
            int c = s.codePointAt(i);
            if (classify(c) != NUMBER) break;
            i += Character.charCount(c);
        }
        return i;
    }

    /** {@code [^\s\p{L}\p{N}]*[\r\n]*} from i (one such character is already taken). */
    private static int punctuation(String s, int i, int end) {
        while (i < end) {
            int c = s.codePointAt(i);
            if (classify(c) != OTHER) break;
            i += Character.charCount(c);
        }
        while (i < end && (s.charAt(i) == '\r' || s.charAt(i) == '\n')) i++;
        return i;
    }

    /** The three whitespace alternatives, for a run of whitespace starting at i. */
    private static int whitespace(String s, int i, int end) {
        int runEnd = i;
        int lastNewline = -1;
        while (runEnd < end) {
            char c = s.charAt(runEnd); // every whitespace character is in the BMP
            int cls = classify(c);
            if (cls == NEWLINE) lastNewline = runEnd;
            else if (cls != SPACE) break;
            runEnd++;
        }
        if (lastNewline >= 0) return lastNewline + 1;          // \s*[\r\n]+
        if (runEnd == end || runEnd - i == 1) return runEnd;   // \s+(?!\S) at the end, or \s+
        return runEnd - 1;                                      // \s+(?!\S): leave one space for the next word
    }

    private static int classify(int c) {
        return c < 128 ? ASCII[c] : classifySlow(c);
    }

    private static byte classifySlow(int c) {
        if (c == '\r' || c == '\n') return NEWLINE;
        if (isWhiteSpace(c)) return SPACE;
        return switch (Character.getType(c)) {
            case Character.UPPERCASE_LETTER, Character.LOWERCASE_LETTER, Character.TITLECASE_LETTER,
                 Character.MODIFIER_LETTER, Character.OTHER_LETTER -> LETTER;
            case Character.DECIMAL_DIGIT_NUMBER, Character.LETTER_NUMBER, Character.OTHER_NUMBER -> NUMBER;
            default -> OTHER;
        };
    }

    /** The Unicode White_Space property (not Java's isWhitespace, which leaves out NBSP and adds U+001C..1F). */
    static boolean isWhiteSpace(int c) {
        return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680
                || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F
                || c == 0x205F || c == 0x3000;
    }
}
