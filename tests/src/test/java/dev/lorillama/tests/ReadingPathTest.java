package dev.lorillama.tests;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * docs/READING.md stays true: every file it names exists, every method it names (on a line
 * "`path/File.java` · `method`, ...") is declared in that file, and every line it quotes in a
 * java block after such a line is, trimmed, a line of that file.
 */
class ReadingPathTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Pattern WHERE = Pattern.compile("^`([^`]+\\.java)` · (.*)$");
    private static final Pattern NAME = Pattern.compile("`(\\w+)`");
    private static final Pattern FILE = Pattern.compile("`([\\w/.-]+/[\\w.-]+\\.java)`");

    @Test
    void everyFileMethodAndQuotedLineTheReadingPathNamesExists() throws Exception {
        List<String> doc = Files.readAllLines(ROOT.resolve("docs/READING.md"));
        List<String> problems = new ArrayList<>();
        Path file = null;
        Set<String> fileLines = Set.of();
        boolean inJava = false;
        int quoted = 0, methods = 0;
        for (String line : doc) {
            if (inJava) {
                if (line.startsWith("```")) inJava = false;
                else if (!line.isBlank() && !fileLines.contains(line.strip())) problems.add(file + " has no line: " + line.strip());
                else quoted++;
                continue;
            }
            if (line.startsWith("```java")) {
                if (file == null) problems.add("a java block before any `File.java` · `method` line");
                inJava = true;
                continue;
            }
            Matcher where = WHERE.matcher(line);
            if (where.matches()) {
                file = ROOT.resolve(where.group(1));
                if (!Files.isRegularFile(file)) {
                    problems.add("no file " + where.group(1));
                    fileLines = Set.of();
                    continue;
                }
                String source = Files.readString(file);
                fileLines = source.lines().map(String::strip).collect(Collectors.toSet());
                for (Matcher m = NAME.matcher(where.group(2)); m.find(); methods++) {
                    Pattern declared = Pattern.compile("(?<!return)(?<!new)(?<!throw)[\\w>\\]]\\s+" + m.group(1) + "\\s*\\(");
                    if (!declared.matcher(source).find()) problems.add(where.group(1) + " declares no " + m.group(1));
                }
            }
            for (Matcher m = FILE.matcher(line); m.find(); ) {
                if (!Files.isRegularFile(ROOT.resolve(m.group(1)))) problems.add("no file " + m.group(1));
            }
        }
        assertTrue(problems.isEmpty(), "docs/READING.md is out of date:\n" + String.join("\n", problems));
        assertTrue(quoted > 30 && methods > 15, "the path quotes " + quoted + " lines and names " + methods + " methods");
    }
}
