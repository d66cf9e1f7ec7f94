package dev.lorillama.chat;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The LoRI repository's NLU evaluation protocol (eval_model.py): an Alpaca-style prompt read
 * without BOS, a greedy answer, and the first answer word after the last "### Response:".
 */
final class NluProtocol {
    /** The template exactly as the LoRI code writes it, 16 spaces of indentation included. */
    static final String TEMPLATE = "Below is an instruction that describes a task. Write a response that appropriately completes the request. "
            + "\n\n                ### Instruction:\n                %s\n\n                ### Response:\n                ";
    static final String RESPONSE_MARKER = "### Response:";
    /** The answer words of the eight commonsense tasks (BoolQ, PIQA, SIQA, ARC, OBQA, HellaSwag, WinoGrande). */
    static final Pattern ANSWER = Pattern.compile("true|false|solution1|solution2|answer1|answer2|answer3|answer4|answer5"
            + "|ending1|ending2|ending3|ending4|option1|option2");

    private NluProtocol() {}

    static String prompt(String instruction) {
        return TEMPLATE.formatted(instruction);
    }

    /** The predicted answer in the full text (prompt and generation), or "" when there is none. */
    static String extractAnswer(String fullText) {
        String response = fullText.substring(fullText.lastIndexOf(RESPONSE_MARKER) + RESPONSE_MARKER.length()).strip();
        Matcher m = ANSWER.matcher(response);
        return m.find() ? m.group() : "";
    }
}
