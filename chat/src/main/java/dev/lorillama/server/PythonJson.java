package dev.lorillama.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * JSON as Python's {@code json.dumps(x, ensure_ascii=False)} writes it, which is what chat
 * templates' {@code tojson} produce and so what Llama 3.1 saw in training: {@code ", "} and
 * {@code ": "} between items on one line, or four-space indents with {@code indent=4}.
 */
final class PythonJson {
    private PythonJson() {}

    /** {@code indent} spaces per level, or -1 for one line. */
    static String dumps(JsonNode value, int indent) {
        Separators separators = Separators.createDefaultInstance()
                .withObjectFieldValueSpacing(Separators.Spacing.AFTER)
                .withObjectEntrySpacing(indent < 0 ? Separators.Spacing.AFTER : Separators.Spacing.NONE)
                .withArrayValueSpacing(indent < 0 ? Separators.Spacing.AFTER : Separators.Spacing.NONE)
                .withObjectEmptySeparator("")
                .withArrayEmptySeparator("");
        DefaultPrettyPrinter printer = new DefaultPrettyPrinter(separators);
        if (indent < 0) {
            printer = printer.withObjectIndenter(new DefaultIndenter("", "")).withArrayIndenter(new DefaultPrettyPrinter.NopIndenter());
        } else {
            DefaultIndenter lines = new DefaultIndenter(" ".repeat(indent), "\n");
            printer = printer.withObjectIndenter(lines).withArrayIndenter(lines);
        }
        try {
            return OpenAiJson.MAPPER.writer(printer).writeValueAsString(value);
        } catch (JsonProcessingException impossible) {
            throw new IllegalStateException(impossible);
        }
    }
}
