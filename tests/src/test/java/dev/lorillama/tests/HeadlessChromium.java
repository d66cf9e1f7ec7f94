package dev.lorillama.tests;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Debian's Chromium driven through Debian's chromedriver (WebDriver, with Selenium), headless, in
 * a fresh profile. Both come from one Debian source package, so their versions always match, and
 * naming both paths keeps Selenium from looking for (downloading) a driver or browser of its own.
 * The flags keep Chromium off the network, which this machine does not have.
 */
final class HeadlessChromium {
    static final Path BROWSER = Path.of("/usr/bin/chromium");
    static final Path DRIVER = Path.of("/usr/bin/chromedriver");
    /** Selenium warns that it has no DevTools classes for this Chromium; the tests use WebDriver only. */
    private static final Logger CDP_VERSION_WARNING = Logger.getLogger("org.openqa.selenium.devtools.CdpVersionFinder");

    static {
        CDP_VERSION_WARNING.setLevel(Level.OFF);
    }

    private HeadlessChromium() {}

    static ChromeDriver start(Path profile) {
        if (!Files.isExecutable(BROWSER) || !Files.isExecutable(DRIVER)) {
            throw new AssertionError("the browser tests need Debian's chromium and chromium-driver (" + BROWSER + ", " + DRIVER
                    + "): apt-get install chromium chromium-driver (.ci/run installs them when missing)");
        }
        ChromeOptions options = new ChromeOptions();
        options.setBinary(BROWSER.toFile());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--user-data-dir=" + profile.toAbsolutePath(), "--window-size=1280,900", "--lang=en-US");
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(DRIVER.toFile()).usingAnyFreePort().build();
        return new ChromeDriver(service, options);
    }
}
