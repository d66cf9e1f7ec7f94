package dev.lorillama.tokenizer;

/**
 * GPT-2's reversible map from bytes to printable characters, in which byte-level BPE vocabularies
 * (tokenizer.json, GGUF) spell their tokens: printable Latin-1 bytes stand for themselves, the
 * other 68 bytes (controls, space, ...) move to U+0100 onwards, so a space is written 'Ġ'.
 */
final class ByteLevel {
    private static final char[] BYTE_TO_CHAR = new char[256];
    private static final short[] CHAR_TO_BYTE = new short[0x200];

    static {
        java.util.Arrays.fill(CHAR_TO_BYTE, (short) -1);
        int shifted = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            char c = printable ? (char) b : (char) (256 + shifted++);
            BYTE_TO_CHAR[b] = c;
            CHAR_TO_BYTE[c] = (short) b;
        }
    }

    private ByteLevel() {}

    /** The bytes a token string stands for, or null if it has a character outside the map. */
    static byte[] decode(String token) {
        byte[] bytes = new byte[token.length()];
        for (int i = 0; i < token.length(); i++) {
            char c = token.charAt(i);
            int b = c < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[c] : -1;
            if (b < 0) return null;
            bytes[i] = (byte) b;
        }
        return bytes;
    }

    /** The token string for some bytes: the inverse of {@link #decode}. */
    static String encode(byte[] bytes) {
        char[] chars = new char[bytes.length];
        for (int i = 0; i < bytes.length; i++) chars[i] = BYTE_TO_CHAR[bytes[i] & 0xFF];
        return new String(chars);
    }
}
