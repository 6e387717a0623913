package dev.sandcrate.e2e.browser;

import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Debian's headless Chromium driven by Debian's chromedriver (both from {@code scripts/setup.sh --test}), with a
 * fresh profile and every background network feature off, so a test run talks only to the registry under test.
 * Screenshots go to {@code target/screenshots/}.
 */
final class Chromium implements AutoCloseable {
    static final Path BROWSER = Path.of(System.getenv().getOrDefault("SANDCRATE_TEST_CHROMIUM", "/usr/bin/chromium"));
    static final Path DRIVER = Path.of(System.getenv().getOrDefault("SANDCRATE_TEST_CHROMEDRIVER", "/usr/bin/chromedriver"));
    static final Path SCREENSHOTS = Path.of("target", "screenshots");

    final ChromeDriver driver;
    private final Path profile;

    Chromium(Path profile) {
        assertTrue(Files.isExecutable(BROWSER) && Files.isExecutable(DRIVER),
                "no Chromium at " + BROWSER + " or chromedriver at " + DRIVER + " (run scripts/setup.sh --test)");
        this.profile = profile;
        ChromeOptions options = new ChromeOptions();
        options.setBinary(BROWSER.toFile());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1280,1000", "--user-data-dir=" + profile.toAbsolutePath());
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(DRIVER.toFile()).usingAnyFreePort().build();
        this.driver = new ChromeDriver(service, options);
        driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(30));
    }

    WebDriverWait waiting() {
        return new WebDriverWait(driver, Duration.ofSeconds(15));
    }

    WebElement await(By by) {
        return waiting().until(ExpectedConditions.visibilityOfElementLocated(by));
    }

    void awaitText(By by, String text) {
        waiting().until(ExpectedConditions.textToBePresentInElementLocated(by, text));
    }

    org.openqa.selenium.Alert waitingForAlert() {
        return waiting().until(ExpectedConditions.alertIsPresent());
    }

    /** Waits until an element's text no longer contains {@code previous} and is not a progress message; returns it. */
    String awaitChange(By by, String previous) {
        return new WebDriverWait(driver, Duration.ofSeconds(45)).until(d -> {
            String text = d.findElement(by).getText();
            return text.contains(previous) || text.endsWith("…") ? null : text;
        });
    }

    void scrollTo(By by) {
        driver.executeScript("arguments[0].scrollIntoView({block: 'start'})", driver.findElement(by));
    }

    /** Saves a PNG of the viewport under target/screenshots/ and returns its path. */
    Path screenshot(String name) throws IOException {
        Files.createDirectories(SCREENSHOTS);
        File shot = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE);
        Path target = SCREENSHOTS.resolve(name + ".png");
        Files.copy(shot.toPath(), target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        return target;
    }

    WebDriver driver() {
        return driver;
    }

    @Override
    public void close() {
        driver.quit();
    }
}
