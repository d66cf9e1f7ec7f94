package dev.lorillama.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.lorillama.runtime.UserInputException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** LoRI's example construction (src/get_datasets.py at commit 9183468) and example order. */
class SftDatasetTest {
    private static final String S20 = " ".repeat(20);

    /** get_commonsense's generate_prompt, lines 60-80: 20 spaces of indentation, a space after "request." without input. */
    @Test
    void promptIsLorisTrainingTemplate() {
        assertEquals("Below is an instruction that describes a task. Write a response that appropriately completes the request. \n\n"
                + S20 + "### Instruction:\n" + S20 + "Is the sky blue?\n\n" + S20 + "### Response:\n" + S20,
                PromptTemplate.COMMONSENSE.prompt("Is the sky blue?", ""));
        assertEquals("Below is an instruction that describes a task, paired with an input that provides further context. "
                + "Write a response that appropriately completes the request.\n\n"
                + S20 + "### Instruction:\n" + S20 + "Add.\n\n" + S20 + "### Input:\n" + S20 + "2 and 3\n\n" + S20 + "### Response:\n" + S20,
                PromptTemplate.COMMONSENSE.prompt("Add.", "2 and 3"));
    }

    /** get_default's generate_prompt, lines 26-33 (LoRI's tasks/<name> files, the NLU test sets): 16 spaces, no Input section. */
    @Test
    void defaultPromptIsLorisTaskTemplate() {
        String s16 = " ".repeat(16);
        assertEquals("Below is an instruction that describes a task. Write a response that appropriately completes the request. \n\n"
                + s16 + "### Instruction:\n" + s16 + "Is the sky blue?\n\n" + s16 + "### Response:\n" + s16,
                PromptTemplate.DEFAULT.prompt("Is the sky blue?", ""));
        assertEquals(PromptTemplate.DEFAULT, PromptTemplate.named("default"));
        assertEquals(PromptTemplate.COMMONSENSE, PromptTemplate.named("commonsense"));
        UserInputException e = assertThrows(UserInputException.class, () -> PromptTemplate.named("alpaca"));
        assertEquals("--template alpaca is not one of LoRI's prompts: commonsense, default", e.getMessage());
    }

    /** tokenize_batch_element: response + EOS; too long: prompt keeps its first 256 (keep_start), then the response its first 512-256. */
    @Test
    void truncationKeepsThePromptStartThenCutsTheResponse() {
        int eos = 9;
        SftExample plain = SftDataset.example(new int[] {1, 2, 3}, new int[] {4, 5}, eos, 512, 256, "t");
        assertArrayEquals(new int[] {1, 2, 3, 4, 5, 9}, plain.tokens());
        assertEquals(3, plain.promptLength());

        SftExample longPrompt = SftDataset.example(range(300), range(100), eos, 512, 256, "t"); // 300 + 101 <= 512
        assertEquals(300, longPrompt.promptLength(), "fits: nothing is cut");

        SftExample cutPrompt = SftDataset.example(range(450), range(100), eos, 512, 256, "t");
        assertEquals(256, cutPrompt.promptLength());
        assertEquals(256 + 101, cutPrompt.tokens().length);
        assertEquals(eos, cutPrompt.tokens()[cutPrompt.tokens().length - 1]);

        SftExample cutBoth = SftDataset.example(range(450), range(400), eos, 512, 256, "t");
        assertEquals(256, cutBoth.promptLength());
        assertEquals(512, cutBoth.tokens().length, "the response keeps 512 - 256 tokens, EOS cut off");
        assertEquals(100 + 255, cutBoth.tokens()[511]);

        assertThrows(UserInputException.class, () -> SftDataset.example(new int[] {1, 9}, new int[] {4}, eos, 512, 256, "t"));
    }

    /**
     * The order LoRI's iterator gives, from CPython 3.11 + numpy 1.24 ({@code np.random.seed(0);
     * np.random.randint(0, 2**32, size=2)} = 2357136044, 2546248239, then {@code random.seed(s);
     * random.shuffle(list(range(n)))}).
     */
    @Test
    void shuffleMatchesPythonAndNumpy() {
        assertEquals(2357136044L, PythonShuffle.epochSeed(0, 0));
        assertEquals(2546248239L, PythonShuffle.epochSeed(0, 1));
        assertEquals(List.of(8, 7, 2, 4, 1, 5, 3, 9, 0, 6), shuffled(10, 2357136044L));
        assertEquals(List.of(9, 2, 13, 19, 4, 8, 12, 24, 15, 20, 11, 17, 10, 0, 1, 7, 22, 14, 5, 6, 16, 23, 21, 18, 3),
                shuffled(25, 2546248239L));
    }

    private static List<Integer> shuffled(int n, long seed) {
        List<Integer> items = new ArrayList<>(IntStream.range(0, n).boxed().toList());
        PythonShuffle.shuffle(items, seed);
        return items;
    }

    private static int[] range(int n) {
        return IntStream.range(100, 100 + n).toArray();
    }
}
