package dev.lorillama.train;

import dev.lorillama.runtime.UserInputException;

/**
 * LoRI's two Alpaca prompts (src/get_datasets.py at commit 9183468), which differ in their
 * indentation because the Python source nests them differently. {@link #COMMONSENSE} is
 * {@code get_commonsense}'s (20 spaces, an "Input:" section when the record has one), used to train
 * on the commonsense mixture; {@link #DEFAULT} is {@code get_default}'s (16 spaces, the instruction
 * only), used for {@code tasks/<name>/*.json} of every other name — the NLU test sets that
 * {@code eval_model.py} scores included. A model trained under one and evaluated under the other
 * sees different whitespace tokens before its answer.
 */
public enum PromptTemplate {
    COMMONSENSE(" ".repeat(20)),
    DEFAULT(" ".repeat(16));

    private final String indent;

    PromptTemplate(String indent) {
        this.indent = indent;
    }

    /** {@code commonsense} or {@code default}, as the train command's --template names them. */
    public static PromptTemplate named(String name) {
        return switch (name) {
            case "commonsense" -> COMMONSENSE;
            case "default" -> DEFAULT;
            default -> throw new UserInputException("--template " + name + " is not one of LoRI's prompts: commonsense, default");
        };
    }

    /** The prompt of a record; {@code input} must be empty for {@link #DEFAULT}, which has no Input section. */
    public String prompt(String instruction, String input) {
        boolean hasInput = input != null && !input.isEmpty();
        if (hasInput && this == DEFAULT) throw new IllegalArgumentException("the default template has no Input section");
        if (hasInput) {
            return "Below is an instruction that describes a task, paired with an input that provides further context. "
                    + "Write a response that appropriately completes the request.\n\n"
                    + indent + "### Instruction:\n" + indent + instruction + "\n\n"
                    + indent + "### Input:\n" + indent + input + "\n\n"
                    + indent + "### Response:\n" + indent;
        }
        return "Below is an instruction that describes a task. Write a response that appropriately completes the request. \n\n"
                + indent + "### Instruction:\n" + indent + instruction + "\n\n"
                + indent + "### Response:\n" + indent;
    }
}
