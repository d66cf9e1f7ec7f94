package dev.lorillama.runtime.tensor;

/**
 * A read-only weight matrix of {@code rows × cols} stored in some format (F32, BF16, a quantized
 * block format...), usually lying in a memory-mapped file.
 *
 * <p>Activations are plain row-major float arrays: a batch of tokens {@code x} holds token
 * {@code t} at {@code x[t*cols .. t*cols+cols)}, and the product {@code y} holds it at
 * {@code y[t*rows .. t*rows+rows)}. Each format implements the inner loop; tiling and threads are
 * {@link MatMul}'s job, written once for all formats.
 */
public interface WeightMatrix {
    int rows();

    int cols();

    /** Bytes of weights that one full pass over the matrix reads. */
    long byteSize();

    /** What it is, for messages: name, type, shape. */
    String describe();

    /**
     * {@code y[t][r] = Σ_c W[r][c] · x[t][c]} for rows {@code [rowFrom,rowTo)} and tokens
     * {@code [tokenFrom,tokenTo)}. Each weight row is loaded once and reused for all the tokens.
     */
    void multiplyRows(float[] x, int tokenFrom, int tokenTo, float[] y, int rowFrom, int rowTo);

    /**
     * {@link #multiplyRows} for tokens {@code [tokenFrom, tokenFrom + tokens)} at once (prefill),
     * which the caller has also laid out as {@link TokenLanes} in {@code lanes} from
     * {@code lanesOffset} on when {@link #readsTokenLanes()} (else {@code lanes} may be null).
     */
    default void multiplyTokens(float[] x, float[] lanes, int lanesOffset, int tokenFrom, int tokens, float[] y, int rowFrom, int rowTo) {
        for (int from = tokenFrom; from < tokenFrom + tokens; from += TokenLanes.WIDTH) {
            multiplyRows(x, from, Math.min(tokenFrom + tokens, from + TokenLanes.WIDTH), y, rowFrom, rowTo);
        }
    }

    /**
     * Decode of several sequences in one step: {@code y[t][r] = W[r] · x[t]} for the single tokens
     * {@code t = tokens[0 .. count)} (rows of {@code x}, in any order) and rows {@code [rowFrom, rowTo)}.
     * Each token gets exactly what {@link #multiplyRows} gives it alone. Formats with a kernel for
     * it (Q8_0) decode each weight once for a group of tokens; this default, one token after
     * the other, is their plain twin.
     */
    default void multiplyDecodeRows(float[] x, int[] tokens, int count, float[] y, int rowFrom, int rowTo) {
        for (int i = 0; i < count; i++) multiplyRows(x, tokens[i], tokens[i] + 1, y, rowFrom, rowTo);
    }

    /** Whether {@link #multiplyTokens} reads the {@link TokenLanes} layout of several tokens. */
    default boolean readsTokenLanes() {
        return false;
    }

    /** One element, decoded: the plain reference path, used by tests and by slow tools. */
    float get(int row, int col);

    /** Decodes one row into {@code dst[offset .. offset+cols)} (embedding lookup, merging). */
    default void readRow(int row, float[] dst, int offset) {
        for (int c = 0; c < cols(); c++) dst[offset + c] = get(row, c);
    }
}
