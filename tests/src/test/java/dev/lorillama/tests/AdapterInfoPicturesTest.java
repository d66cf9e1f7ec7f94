package dev.lorillama.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code adapter info --svg / --html / --overlap}: the heatmap pictures from the command line
 * (WebPageTest checks that the web page draws the very same cells).
 */
class AdapterInfoPicturesTest {
    @TempDir
    static Path dir;
    private static Path nluS, codeS;

    @BeforeAll
    static void makeSparseAdapters() {
        nluS = ChatFixture.sparse(ChatFixture.NLU, dir.resolve("nlu_s"));
        codeS = ChatFixture.sparse(ChatFixture.CODE, dir.resolve("code_s"));
    }

    @Test
    void svgAndHtmlDrawOneCellPerAdaptedProjectionWithTheNumbersBeside() throws Exception {
        Path svg = dir.resolve("nlu_s.svg"), html = dir.resolve("nlu_s.html");
        CliRunner.Result info = info(nluS, "--svg", svg.toString(), "--html", html.toString());
        assertEquals(0, info.exitCode(), info.err());
        String picture = Files.readString(svg);
        assertTrue(picture.startsWith("<svg xmlns=\"http://www.w3.org/2000/svg\""), picture);
        assertEquals(14, count(picture, "<g class=\"cell\""), "2 layers x 7 projections");
        assertTrue(picture.contains("<title>layer 0 q_proj: B density "), picture);
        String page = Files.readString(html);
        assertTrue(page.contains(picture), "the HTML page holds the same picture");
        assertTrue(page.contains("<dt>B non-zero</dt><dd>409 (density 0.0999)</dd>"), page);
        assertTrue(info.out().contains("density  overall    0.0999 (409 of 4096 B entries non-zero)"), info.out());
    }

    @Test
    void aDenseAdapterIsDarkEverywhereAndTheOverlapComesSecond() throws Exception {
        Path svg = dir.resolve("nlu.svg");
        CliRunner.Result info = info(ChatFixture.NLU, "--overlap", ChatFixture.CODE.toString(), "--svg", svg.toString());
        assertEquals(0, info.exitCode(), info.err());
        String pictures = Files.readString(svg);
        assertEquals(2, count(pictures, "class=\"heatmap\""));
        String density = pictures.substring(0, pictures.indexOf("overlap of B"));
        assertEquals(14, count(density, "fill=\"rgb(8,48,107)\"><title>"), "density 1: the end of the blue ramp");
        assertTrue(info.out().contains("overlap  code: 4096 B entries non-zero in both of 4096 in either (1.0000)"), info.out());
        CliRunner.Result sparse = info(nluS, "--overlap", codeS.toString());
        Matcher overlap = Pattern.compile("overlap  code_s: (\\d+) B entries non-zero in both of (\\d+) in either").matcher(sparse.out());
        assertTrue(overlap.find(), sparse.out());
        assertEquals(409 + 409 - Long.parseLong(overlap.group(1)), Long.parseLong(overlap.group(2)), "either = one + other - both");
    }

    @Test
    void anUnwritablePictureFileIsAnErrorNamingIt() throws Exception {
        // a missing folder is created; one that cannot be (a file stands where it would go) is an error
        Path nowhere = java.nio.file.Files.writeString(dir.resolve("a-file"), "x").resolve("x.svg");
        CliRunner.Result info = info(nluS, "--svg", nowhere.toString());
        assertEquals(2, info.exitCode());
        assertTrue(info.err().startsWith("error: ") && info.err().contains(nowhere.toString()), info.err());
    }

    private static CliRunner.Result info(Path adapter, String... options) {
        String[] args = new String[4 + options.length];
        args[0] = "adapter";
        args[1] = "info";
        args[2] = adapter.toString();
        args[3] = "--model=" + ChatFixture.MODEL;
        System.arraycopy(options, 0, args, 4, options.length);
        return CliRunner.run(args);
    }

    private static int count(String text, String part) {
        int n = 0;
        for (int at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + 1)) n++;
        return n;
    }
}
