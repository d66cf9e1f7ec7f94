package dev.lorillama.hub;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Checks a download against the hub's ETag, which is the file's sha256 for files stored with Git
 * LFS (the weights) and its git blob sha1 ({@code sha1("blob SIZE\0" + contents)}) for the rest.
 */
final class Checksum {
    private final MessageDigest digest;
    private final String expected;

    private Checksum(MessageDigest digest, String expected) {
        this.digest = digest;
        this.expected = expected;
    }

    /** The check an ETag allows, or null when the ETag is neither hash (a server that sends other ETags). */
    static Checksum forEtag(String etag, long size) {
        try {
            if (etag.matches("[0-9a-f]{64}")) return new Checksum(MessageDigest.getInstance("SHA-256"), etag);
            if (etag.matches("[0-9a-f]{40}") && size >= 0) {
                Checksum c = new Checksum(MessageDigest.getInstance("SHA-1"), etag);
                c.digest.update(("blob " + size + "\0").getBytes(StandardCharsets.US_ASCII));
                return c;
            }
            return null;
        } catch (NoSuchAlgorithmException impossible) {
            throw new IllegalStateException(impossible);
        }
    }

    void update(byte[] bytes, int offset, int length) {
        digest.update(bytes, offset, length);
    }

    /** The hash of what was read, when it differs from the expected one; null when they agree. */
    String mismatch() {
        String actual = HexFormat.of().formatHex(digest.digest());
        return actual.equals(expected) ? null : actual;
    }

    String algorithm() {
        return digest.getAlgorithm().equals("SHA-1") ? "git sha1" : "sha256";
    }
}
