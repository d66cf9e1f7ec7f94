package dev.lorillama.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.WindowType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web page in headless Chromium against {@code chat.jar serve}: on the chat fixture, whose
 * greedy replies the float64 reference computed, with its adapters nlu and code and their
 * 90%-sparse versions nlu_s and code_s (LoRI masks made here with {@code adapter mask}); and on a
 * slow random model, whose answers last long enough to watch them stream and to stop them.
 * Screenshots of each view are written to target/webui-screens/.
 */
class WebPageTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path SCREENS = Path.of("target/webui-screens").toAbsolutePath();
    @TempDir
    static Path dir;
    private static final String API_KEY = "sesame";
    private static ServeProcess fixture, slow, guarded;
    private static ChromeDriver browser;
    private static String firstTab;
    private static Path nluS, codeS;

    @BeforeAll
    static void start() throws Exception {
        nluS = ChatFixture.sparse(ChatFixture.NLU, dir.resolve("nlu_s"));
        codeS = ChatFixture.sparse(ChatFixture.CODE, dir.resolve("code_s"));
        Path slowModel = SlowModel.write(dir.resolve("slow-model"));
        // three servers start side by side (each a JVM: seconds)
        var starting = List.<java.util.function.Supplier<ServeProcess>>of(
                () -> ServeProcess.start("--model", ChatFixture.MODEL.toString(), "--name", "chat-model",
                        "--adapter", "nlu=" + ChatFixture.NLU, "--adapter", "code=" + ChatFixture.CODE,
                        "--adapter", "nlu_s=" + nluS, "--adapter", "code_s=" + codeS),
                () -> ServeProcess.start("--model", slowModel.toString(), "--name", "slow", "--context", "2048", "--parallel", "1"),
                () -> ServeProcess.start("--model", ChatFixture.MODEL.toString(), "--name", "chat-model",
                        "--adapter", "nlu=" + ChatFixture.NLU, "--api-key", API_KEY))
                .stream().map(CompletableFuture::supplyAsync).toList();
        fixture = starting.get(0).join();
        slow = starting.get(1).join();
        guarded = starting.get(2).join();
        browser = HeadlessChromium.start(dir.resolve("chromium-profile"));
        firstTab = browser.getWindowHandle();
        Files.createDirectories(SCREENS);
    }

    @AfterAll
    static void stop() throws Exception {
        if (browser != null) browser.quit();
        if (fixture != null) fixture.close();
        if (slow != null) slow.close();
        if (guarded != null) guarded.close();
    }

    @AfterEach
    void closeTab() {
        for (String tab : browser.getWindowHandles()) {
            if (tab.equals(firstTab)) continue;
            browser.switchTo().window(tab);
            browser.close();
        }
        browser.switchTo().window(firstTab);
    }

    @Test
    void anAnswerStreamsIntoTheChatPieceByPiece() throws Exception {
        open(slow);
        setNumber("#chat-sampling", "temperature", "0");
        setNumber("#chat-sampling", "max_tokens", "100");
        send("Hello");
        WebElement answer = lastAnswer();
        List<Integer> lengths = new ArrayList<>();
        while (answer.getDomAttribute("data-finish") == null) {
            int length = text(answer).length();
            if (length > 0 && (lengths.isEmpty() || lengths.getLast() != length)) lengths.add(length);
            Thread.sleep(20);
        }
        assertTrue(lengths.size() >= 3, "seen growing while streaming: " + lengths);
        assertEquals("length", answer.getDomAttribute("data-finish"));
        String stats = answer.findElement(By.className("stats")).getText();
        assertTrue(stats.startsWith("100 tokens · ") && stats.contains(" tok/s") && stats.endsWith(" · length"), stats);
        assertTrue(text(answer).length() >= lengths.getLast(), "the whole answer is shown at the end");
    }

    @Test
    void eachAdapterAndMixGivesItsKnownGreedyAnswer() throws Exception {
        open(fixture);
        setNumber("#chat-sampling", "temperature", "0");
        setNumber("#chat-sampling", "max_tokens", "12");
        for (String model : List.of("base", "nlu", "code")) {
            click("chat-new");
            new Select(find("#chat-mix select")).selectByValue(model.equals("base") ? "" : model);
            send("Hello");
            assertEquals(ChatFixture.expected("chat", model, "Hello").reply().strip(), text(finished(lastAnswer())), model);
            assertEquals(model.equals("base") ? "chat-model" : model, lastAnswer().findElement(By.className("who")).getText());
        }
        // a mix: nlu and code, weight 1 each, cat (the server's "nlu+code")
        click("chat-new");
        new Select(find("#chat-mix select")).selectByValue("*");
        setNumber("#chat-mix", "weight of nlu", "1");
        setNumber("#chat-mix", "weight of code", "1");
        send("Hello");
        assertEquals("nlu+code", lastAnswer().findElement(By.className("who")).getText());
        assertEquals(ChatFixture.expected("chat", "nlu+code", "Hello").reply().strip(), text(finished(lastAnswer())));
        // weighted, linear: the same answer as the API gives for that model name
        click("chat-new");
        setNumber("#chat-mix", "weight of nlu", "0.6");
        setNumber("#chat-mix", "weight of code", "0.4");
        new Select(find("#chat-mix select[aria-label$=combination]")).selectByValue("linear");
        send("Hello");
        String linear = "nlu*0.6+code*0.4 (linear)";
        assertEquals(linear, lastAnswer().findElement(By.className("who")).getText());
        assertEquals(apiAnswer(fixture, linear).strip(), text(finished(lastAnswer())));
        // the system prompt goes first
        click("chat-new");
        new Select(find("#chat-mix select")).selectByValue("");
        ChatFixture.Expected withSystem = ChatFixture.expected("chat", "base", "Is it true?");
        find("#chat-system").sendKeys(withSystem.system(), Keys.TAB);
        send(withSystem.user());
        assertEquals(withSystem.reply().strip(), text(finished(lastAnswer())));
        screenshot("chat");
        // the conversation is kept by this browser tab: a reload shows it again
        browser.navigate().refresh();
        waitUntilReady();
        assertEquals(withSystem.reply().strip(), text(lastAnswer()));
        assertEquals(withSystem.system(), find("#chat-system").getDomProperty("value"));
    }

    @Test
    void compareStreamsTwoMixesSideBySideWithTokensPerSecond() throws Exception {
        open(fixture);
        click("tab-compare");
        setNumber("#compare-sampling", "max_tokens", "12");
        find("#compare-input").sendKeys("Hello");
        click("compare-run");
        List<WebElement> columns = browser.findElements(By.cssSelector("#compare-columns .column"));
        assertEquals(2, columns.size());
        for (int i = 0; i < 2; i++) {
            String model = i == 0 ? "base" : "nlu"; // the first two columns: the base and the first adapter, greedy
            assertEquals(ChatFixture.expected("chat", model, "Hello").reply().strip(), text(finished(columns.get(i))), model);
            String stats = columns.get(i).findElement(By.className("stats")).getText();
            assertTrue(stats.matches("12 tokens · \\d+\\.\\d tok/s · first after \\d+\\.\\d\\d s · length"), stats);
        }
        click("compare-add");
        WebElement third = browser.findElements(By.cssSelector("#compare-columns .column")).get(2);
        new Select(third.findElement(By.tagName("select"))).selectByValue("code");
        click("compare-run");
        assertEquals(ChatFixture.expected("chat", "code", "Hello").reply().strip(), text(finished(third)));
        screenshot("compare");
    }

    @Test
    void stopEndsTheGenerationOnTheServerToo() throws Exception {
        open(slow);
        setNumber("#chat-sampling", "temperature", "0"); // greedy: this model's answer is long (sampled, it may end at once)
        setNumber("#chat-sampling", "max_tokens", "1500");
        JsonNode before = health(slow, h -> true);
        send("Hello");
        WebElement answer = lastAnswer();
        waitForText(answer);
        assertTrue(find("#chat-send").getDomProperty("disabled").equals("true"), "no second question while answering");
        click("chat-stop");
        assertEquals("stopped", finished(answer).getDomAttribute("data-finish"));
        String stopped = text(answer);
        health(slow, h -> h.get("generating").asInt() == 0 && h.get("cancelled").asInt() == before.get("cancelled").asInt() + 1);
        Thread.sleep(300);
        assertEquals(stopped, text(answer), "nothing more arrives");
        assertEquals("false", find("#chat-send").getDomProperty("disabled"));
    }

    @Test
    void inspectShowsWhatAdapterInfoPrintsAndTheSamePicture() throws Exception {
        open(fixture);
        click("tab-inspect");
        new Select(find("#inspect-adapter")).selectByValue("nlu_s");
        waitFor(d -> find("#inspect-profile h2").getText().startsWith("nlu_s:"));
        Path svg = dir.resolve("nlu_s.svg");
        CliRunner.Result info = CliRunner.run("adapter", "info", nluS.toString(), "--model", ChatFixture.MODEL.toString(),
                "--overlap", codeS.toString(), "--svg", svg.toString());
        assertEquals(0, info.exitCode(), info.err());
        Map<String, String> facts = definitions("#inspect-facts");
        assertEquals(line(info.out(), "rank"), facts.get("rank"));
        assertEquals(line(info.out(), "alpha"), facts.get("alpha"));
        assertEquals(line(info.out(), "scale").replace(" (default; per module below)", ""), facts.get("scale"));
        assertEquals(line(info.out(), "bytes").replace(" (adapter_model.safetensors)", ""), facts.get("file bytes").split(" ")[0]);
        Matcher overall = Pattern.compile("density  overall    (\\S+) \\((\\d+) of (\\d+) B entries non-zero\\)").matcher(info.out());
        assertTrue(overall.find(), info.out());
        assertEquals(overall.group(2) + " (density " + overall.group(1) + ")", facts.get("B non-zero"));
        assertEquals(overall.group(3), facts.get("B entries"));
        assertEquals("409", overall.group(2), "LoRI keeps k = int(0.1 · 4096) entries");
        Map<String, String> byProjection = definitions("#inspect-by-projection");
        for (var e : byProjection.entrySet()) {
            assertEquals(line(info.out(), "density  " + e.getKey()), e.getValue(), e.getKey());
        }
        assertEquals(7, byProjection.size());
        Map<String, String> pageCells = cells("#inspect-profile svg");
        for (var e : pageCells.entrySet()) { // "layer 0 q_proj" -> its density as adapter info prints it
            String[] at = e.getKey().split(" ");
            String module = "model.layers." + at[1] + "." + (at[2].matches("[qkvo]_proj") ? "self_attn." : "mlp.") + at[2];
            assertTrue(e.getValue().contains("B density " + moduleDensity(info.out(), module) + " ("), e.getKey() + ": " + e.getValue());
        }
        assertEquals(14, pageCells.size());

        new Select(find("#inspect-other")).selectByValue("code_s");
        waitFor(d -> !browser.findElements(By.cssSelector("#inspect-overlap svg")).isEmpty());
        Matcher overlap = Pattern.compile("overlap  code_s: (\\d+) B entries non-zero in both of (\\d+) in either \\((\\S+)\\)").matcher(info.out());
        assertTrue(overlap.find(), info.out());
        Map<String, String> overlapFacts = definitions("#overlap-facts");
        assertEquals(overlap.group(1), overlapFacts.get("non-zero in both"));
        assertEquals(overlap.group(2), overlapFacts.get("non-zero in either"));
        assertEquals(overlap.group(3), overlapFacts.get("overlap (both ÷ either)"));
        screenshot("inspect");

        // adapter info --svg draws the same two pictures: same cells, colours, texts and tooltips
        Map<String, String> pageOverlap = cells("#inspect-overlap svg");
        browser.switchTo().newWindow(WindowType.TAB);
        browser.get(svg.toUri().toString());
        List<WebElement> pictures = browser.findElements(By.cssSelector("svg svg"));
        assertEquals(2, pictures.size());
        assertEquals(pageCells, cells(pictures.get(0)));
        assertEquals(pageOverlap, cells(pictures.get(1)));
        assertEquals(14, pageOverlap.size());
    }

    @Test
    void theMainActionsWorkFromTheKeyboardAlone() throws Exception {
        open(fixture);
        Actions keys = new Actions(browser);
        assertEquals("chat-input", active().getDomAttribute("id"), "the message box has the focus from the start");
        keys.sendKeys("Hello").sendKeys(Keys.ENTER).perform();
        assertFalse(text(finished(lastAnswer())).isEmpty());
        tabBackTo("tab-chat");
        keys.sendKeys(Keys.ARROW_RIGHT).perform();
        assertEquals("tab-compare", active().getDomAttribute("id"));
        assertTrue(find("#view-chat").getDomProperty("hidden").equals("true") && find("#view-compare").isDisplayed());
        keys.sendKeys(Keys.TAB).perform();
        assertEquals("compare-input", active().getDomAttribute("id"));
        keys.sendKeys("Hello").sendKeys(Keys.ENTER).perform();
        WebElement nluColumn = browser.findElements(By.cssSelector("#compare-columns .column")).get(1);
        assertTrue(text(finished(nluColumn)).startsWith(ChatFixture.expected("chat", "nlu", "Hello").reply().strip().substring(0, 10)));
        tabBackTo("tab-compare");
        keys.sendKeys(Keys.ARROW_RIGHT).perform();
        assertEquals("tab-inspect", active().getDomAttribute("id"));
        keys.sendKeys(Keys.TAB).perform();
        assertEquals("inspect-adapter", active().getDomAttribute("id"));
        keys.sendKeys(Keys.ARROW_DOWN).perform(); // nlu -> code
        waitFor(d -> find("#inspect-profile h2").getText().startsWith("code:"));

        open(slow); // Esc stops an answer
        setNumber("#chat-sampling", "temperature", "0"); // (setting up: a greedy answer of this model is long)
        find("#chat-input").click();
        keys.sendKeys("Hello").sendKeys(Keys.ENTER).perform();
        WebElement answer = lastAnswer();
        waitForText(answer);
        keys.sendKeys(Keys.ESCAPE).perform();
        assertEquals("stopped", finished(answer).getDomAttribute("data-finish"));
    }

    @Test
    void withAnApiKeyThePageAsksForItOnceAndSendsIt() throws Exception {
        browser.switchTo().newWindow(WindowType.TAB);
        browser.get(guarded.url + "/");
        waitFor(d -> keyDialogOpen() && find("#key-reason").getText().contains("needs an API key"));
        screenshot("api-key");
        Actions keys = new Actions(browser);
        keys.sendKeys("wrong").sendKeys(Keys.ENTER).perform(); // the key box has the focus
        waitFor(d -> keyDialogOpen() && find("#key-reason").getText().contains("Incorrect API key"));
        keys.sendKeys(API_KEY).sendKeys(Keys.ENTER).perform();
        waitUntilReady();
        setNumber("#chat-sampling", "temperature", "0");
        setNumber("#chat-sampling", "max_tokens", "12");
        send("Hello"); // streamed with the key
        assertEquals(ChatFixture.expected("chat", "base", "Hello").reply().strip(), text(finished(lastAnswer())));
        click("tab-inspect"); // /v1/adapters/nlu with the key
        waitFor(d -> find("#inspect-profile h2").getText().startsWith("nlu:"));

        browser.navigate().refresh(); // asked once: the page keeps the key
        waitUntilReady();
        assertFalse(keyDialogOpen());
        assertTrue(find("#forget-key").isDisplayed());

        click("forget-key"); // without a key and refusing to give one, the page says why
        browser.navigate().refresh();
        waitFor(d -> keyDialogOpen());
        keys.sendKeys(Keys.ESCAPE).perform();
        waitFor(d -> find("#server-status").getText().contains("needs an API key"));
        assertTrue(find("#server-status").getText().contains("HTTP 401"));
        assertEquals("Try again", active().getText());
    }

    private static boolean keyDialogOpen() {
        return Boolean.parseBoolean(find("#key-dialog").getDomProperty("open"));
    }

    @Test
    void aRefusedRequestIsShownAndTheQuestionKept() throws Exception {
        open(fixture);
        setNumber("#chat-sampling", "temperature", "3");
        send("Hello");
        WebElement answer = finished(lastAnswer());
        assertEquals("refused", answer.getDomAttribute("data-finish"));
        String error = answer.findElement(By.cssSelector("[role=alert]")).getText();
        assertTrue(error.contains("temperature must be between 0 and 2") && error.contains("HTTP 400"), error);
        assertEquals("Hello", find("#chat-input").getDomProperty("value"), "the question can be sent again");
        JsonNode kept = JSON.readTree((String) browser.executeScript("return sessionStorage.getItem('lorillama.chat')"));
        assertEquals(0, kept.get("messages").size(), "a refused question is not part of the conversation");
    }

    @Test
    void modelOutputIsRenderedAsMarkdownNeverAsHtml() throws Exception {
        open(fixture);
        String hostile = "**bold** <img src=x onerror=\"window.pwned=1\"> <script>window.pwned=2</script>\n\n"
                + "[link](javascript:window.pwned=3) ![image](x.png)\n\n```js\nlet html = '<b>not bold</b>';\n```\n";
        browser.executeScript("sessionStorage.setItem('lorillama.chat', JSON.stringify({messages: ["
                + "{role: 'user', content: '<i>typed</i>'}, {role: 'assistant', content: arguments[0], model: 'nlu'}]}))", hostile);
        browser.navigate().refresh();
        waitUntilReady();
        WebElement messages = find("#chat-messages");
        assertTrue(messages.findElements(By.cssSelector("img, script, i, b")).isEmpty(), messages.getDomProperty("innerHTML"));
        assertNull(browser.executeScript("return window.pwned"));
        assertEquals("bold", messages.findElement(By.cssSelector(".assistant strong")).getText());
        assertTrue(messages.findElements(By.cssSelector("a[href^=javascript]")).isEmpty());
        assertEquals("let html = '<b>not bold</b>';", messages.findElement(By.cssSelector("pre code.language-js")).getText());
        assertTrue(text(messages.findElement(By.cssSelector(".assistant"))).contains("<img src=x onerror="));
        assertEquals("<i>typed</i>", text(messages.findElement(By.cssSelector(".user"))));
    }

    // --- the page ---

    /** A new browser tab (its own sessionStorage, so a fresh conversation) on `server`'s page. */
    private static void open(ServeProcess server) {
        browser.switchTo().newWindow(WindowType.TAB);
        browser.get(server.url + "/");
        waitUntilReady();
    }

    private static void waitUntilReady() {
        waitFor(d -> "true".equals(d.findElement(By.tagName("body")).getDomAttribute("data-ready")));
    }

    private static void send(String message) {
        WebElement input = find("#chat-input");
        input.sendKeys(message);
        click("chat-send");
    }

    private static WebElement lastAnswer() {
        return waitFor(d -> d.findElements(By.cssSelector("#chat-messages .assistant")).stream().reduce((a, b) -> b).orElse(null));
    }

    /** Waits until `answer` (a chat message or a compare column) says how it finished. */
    private static WebElement finished(WebElement answer) {
        waitFor(d -> {
            String finish = answer.getDomAttribute("data-finish");
            return finish != null && !finish.isEmpty() ? finish : null;
        });
        return answer;
    }

    /** Waits for the first words of an answer still streaming. */
    private static void waitForText(WebElement answer) {
        waitFor(d -> {
            if (answer.getDomAttribute("data-finish") != null) throw new AssertionError("ended before any text: " + answer.getText());
            return !text(answer).isEmpty();
        });
    }

    private static String text(WebElement answer) {
        return answer.findElement(By.className("content")).getText();
    }

    private static void setNumber(String within, String name, String value) {
        WebElement input = find(within + " input[name=\"" + name + "\"], " + within + " input[aria-label$=\"" + name + "\"]");
        input.clear();
        input.sendKeys(value, Keys.TAB); // leaving the field fires "change"
    }

    private static void click(String id) {
        browser.findElement(By.id(id)).click();
    }

    private static WebElement find(String css) {
        return browser.findElement(By.cssSelector(css));
    }

    private static WebElement active() {
        return browser.switchTo().activeElement();
    }

    private static void tabBackTo(String id) {
        for (int i = 0; i < 30 && !id.equals(active().getDomAttribute("id")); i++) {
            new Actions(browser).keyDown(Keys.SHIFT).sendKeys(Keys.TAB).keyUp(Keys.SHIFT).perform();
        }
        assertEquals(id, active().getDomAttribute("id"));
    }

    /** A definition list's term -> value. */
    @SuppressWarnings("unchecked")
    private static Map<String, String> definitions(String css) {
        return new TreeMap<>((Map<String, String>) browser.executeScript("""
                const pairs = {};
                for (const dt of document.querySelectorAll(arguments[0] + ' dt')) pairs[dt.textContent] = dt.nextElementSibling.textContent;
                return pairs;""", css));
    }

    private static Map<String, String> cells(String css) {
        return cells(find(css));
    }

    /** A heatmap's cells: "layer L projection" -> "fill | text | tooltip" (read in one script: many WebDriver calls are slow). */
    @SuppressWarnings("unchecked")
    private static Map<String, String> cells(WebElement svg) {
        return new TreeMap<>((Map<String, String>) browser.executeScript("""
                const cells = {};
                for (const g of arguments[0].querySelectorAll('g.cell')) {
                  const rect = g.querySelector('rect');
                  cells[`layer ${g.dataset.layer} ${g.dataset.projection}`] =
                      `${rect.getAttribute('fill')} | ${g.querySelector('text').textContent} | ${rect.querySelector('title').textContent}`;
                }
                return cells;""", svg));
    }

    /** The value after a label at the start of a line of `adapter info`. */
    private static String line(String out, String label) {
        for (String line : out.split("\n")) {
            if (line.startsWith(label + " ")) return line.substring(label.length()).strip();
        }
        throw new AssertionError("no line '" + label + "' in:\n" + out);
    }

    private static String moduleDensity(String out, String module) {
        String[] columns = line(out, module).split("\\s+");
        return columns[columns.length - 1];
    }

    private static <T> T waitFor(Function<WebDriver, T> condition) {
        return new WebDriverWait(browser, Duration.ofSeconds(30)).until(condition);
    }

    private static void screenshot(String view) throws Exception {
        Files.write(SCREENS.resolve(view + ".png"), browser.getScreenshotAs(OutputType.BYTES));
    }

    /** The greedy 12-token answer to "Hello", asked directly (not streamed, not through the page). */
    private static String apiAnswer(ServeProcess server, String model) throws Exception {
        String body = JSON.writeValueAsString(Map.of("model", model, "messages", List.of(Map.of("role", "user", "content", "Hello")),
                "temperature", 0, "max_tokens", 12));
        try (HttpClient client = HttpClient.newHttpClient()) {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(server.url + "/v1/chat/completions"))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), r.body());
            return JSON.readTree(r.body().strip()).get("choices").get(0).get("message").get("content").asText();
        }
    }

    private static JsonNode health(ServeProcess server, java.util.function.Predicate<JsonNode> condition) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        try (HttpClient client = HttpClient.newHttpClient()) {
            while (true) {
                HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(server.url + "/health")).build(),
                        HttpResponse.BodyHandlers.ofString());
                JsonNode h = JSON.readTree(r.body());
                if (condition.test(h)) return h;
                if (System.nanoTime() > deadline) throw new AssertionError("health never matched: " + h);
                Thread.sleep(50);
            }
        }
    }
}
