package dev.sandcrate.e2e.browser;

import dev.sandcrate.index.crate.CratePacker;
import dev.sandcrate.registry.Registry;
import dev.sandcrate.registry.RegistryConfig;
import dev.sandcrate.registry.auth.Principal;
import dev.sandcrate.registry.auth.Scope;
import dev.sandcrate.registry.db.Database;
import dev.sandcrate.registry.web.Passwords;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The web UI in a real browser against a running registry filled with Debian's real crates: home, search, a crate
 * page, a yanked version, sign-in, creating and revoking a token, the setup snippets and the admin page. Each step
 * leaves a screenshot in target/screenshots/.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class WebUiBrowserTest {
    static final Path DEBIAN = Path.of("/usr/share/cargo/registry");
    static final List<String> CRATES = List.of("unicode-ident", "proc-macro2", "quote", "syn", "serde_derive", "serde",
            "itoa", "ryu", "serde_json", "thiserror-impl", "thiserror");
    static final String PASSWORD = "a long enough password";

    Path tmp;
    Registry registry;
    Chromium browser;
    String publisherToken;

    @BeforeAll
    void start() throws Exception {
        tmp = Files.createTempDirectory("sandcrate-browser");
        registry = Registry.start(RegistryConfig.loopback(tmp.resolve("data")));
        long alice = registry.users().add("alice", true).id();
        try (Database db = Database.openH2(tmp.resolve("data"))) {
            new Passwords(db.jdbi()).set(alice, PASSWORD);
        }
        publisherToken = registry.tokens().create(alice, "import", EnumSet.allOf(Scope.class), List.of(), null).secret();
        HttpClient http = HttpClient.newHttpClient();
        for (String name : CRATES) {
            CratePacker.PackedCrate packed = CratePacker.pack(debianFolder(name));
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(registry.url() + "/api/v1/crates/new"))
                    .header("Authorization", publisherToken)
                    .PUT(HttpRequest.BodyPublishers.ofByteArray(publishBody(packed))).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), name + ": " + r.body());
        }
        browser = new Chromium(tmp.resolve("chromium-profile"));
    }

    @AfterAll
    void stop() throws Exception {
        try {
            if (browser != null) browser.close();
        } finally {
            if (registry != null) registry.close();
            try (Stream<Path> files = Files.walk(tmp)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    void open(String path) {
        browser.driver.get(registry.url() + path);
    }

    @Test
    @Order(1)
    void homeShowsStatsAndRecentlyPublishedCrates() throws Exception {
        open("/");
        browser.await(By.cssSelector("#recent li"));
        assertEquals(String.valueOf(CRATES.size()), browser.driver.findElement(By.cssSelector("[data-stat=crates]")).getText());
        List<String> recent = browser.driver.findElements(By.cssSelector("#recent li > a")).stream().map(WebElement::getText).toList();
        assertEquals("thiserror", recent.getFirst(), "newest first: " + recent);
        assertTrue(recent.contains("serde_json"), recent.toString());
        assertEquals("Sandcrate", browser.driver.getTitle());
        browser.screenshot("01-home");
    }

    @Test
    @Order(2)
    void searchFindsCratesAndOpensACratePage() throws Exception {
        open("/");
        WebElement q = browser.await(By.id("home-q"));
        q.sendKeys("serde", Keys.ENTER);
        browser.awaitText(By.id("result-count"), "3 crates");
        List<String> names = browser.driver.findElements(By.cssSelector("#results li > a")).stream().map(WebElement::getText).toList();
        assertEquals("serde", names.getFirst(), "exact name first: " + names);
        assertTrue(names.containsAll(List.of("serde_derive", "serde_json")), names.toString());
        assertTrue(browser.driver.getCurrentUrl().endsWith("/search?q=serde"));
        browser.screenshot("02-search");

        browser.driver.findElement(By.linkText("serde_derive")).click();
        browser.awaitText(By.id("crate-name"), "serde_derive");
        assertEquals("1.0.152", browser.driver.findElement(By.id("crate-version")).getText());
        assertTrue(browser.driver.getTitle().startsWith("serde_derive 1.0.152"));
        List<String> deps = browser.driver.findElements(By.cssSelector("#dependencies [data-kind=normal] a")).stream()
                .map(WebElement::getText).toList();
        assertTrue(deps.containsAll(List.of("proc-macro2", "quote", "syn")), deps.toString());
        assertTrue(browser.driver.findElement(By.id("reverse-dependencies")).getText().contains("serde"));
        assertTrue(browser.driver.findElement(By.id("owners")).getText().contains("alice"));
        WebElement readme = browser.driver.findElement(By.id("readme"));
        assertTrue(readme.getText().contains("Serde"), readme.getText());
        assertEquals(0, readme.findElements(By.tagName("img")).size(), "readme images are links, nothing is loaded from other hosts");
        browser.screenshot("03-crate-serde_derive");

        // dependency links stay inside the UI
        browser.driver.findElement(By.cssSelector("#dependencies a[href='/crates/syn']")).click();
        browser.awaitText(By.id("crate-name"), "syn");
        assertTrue(browser.driver.findElement(By.id("reverse-dependencies")).getText().contains("serde_derive"));
    }

    @Test
    @Order(3)
    void aYankedVersionIsMarked() throws Exception {
        Principal alice = registry.tokens().authenticate(publisherToken).orElseThrow();
        registry.crates().setYanked(alice, "thiserror", "1.0.38", true);
        open("/crates/thiserror/1.0.38");
        browser.await(By.id("yanked-badge"));
        assertTrue(browser.driver.findElement(By.cssSelector("#versions tr.is-yanked")).getText().contains("1.0.38"));
        assertTrue(browser.driver.findElement(By.cssSelector(".notice")).getText().contains("yanked"));
        browser.screenshot("04-yanked");
        registry.crates().setYanked(alice, "thiserror", "1.0.38", false);
    }

    @Test
    @Order(4)
    void signInCreateATokenThatWorksSeeItOnceAndRevokeIt() throws Exception {
        open("/account");
        browser.await(By.id("password-form"));
        assertTrue(browser.driver.getCurrentUrl().contains("/login?next=/account"), "the account page asks to sign in");
        browser.driver.findElement(By.id("login")).sendKeys("alice");
        browser.driver.findElement(By.id("password")).sendKeys(PASSWORD, Keys.ENTER);
        browser.awaitText(By.tagName("h1"), "Account: alice");
        assertEquals("alice", browser.driver.findElement(By.cssSelector("#nav-account a[href='/account']")).getText());

        browser.driver.findElement(By.id("token-name")).sendKeys("ci publish");
        for (WebElement box : browser.driver.findElements(By.cssSelector("input[name=scopes]"))) {
            boolean want = List.of("publish-update", "yank").contains(box.getAttribute("value"));
            if (box.isSelected() != want) box.click();
        }
        browser.driver.findElement(By.id("token-crates")).sendKeys("serde*");
        browser.driver.findElement(By.cssSelector("#token-form button[type=submit]")).click();
        WebElement secretBox = browser.await(By.cssSelector(".secret code"));
        String secret = secretBox.getText();
        assertTrue(secret.startsWith("scr_"), secret);
        browser.awaitText(By.id("tokens"), "ci publish");
        browser.screenshot("05-token-created");

        Principal p = registry.tokens().authenticate(secret).orElseThrow(() -> new AssertionError("the new token does not work"));
        assertEquals("alice", p.login());
        assertEquals(EnumSet.of(Scope.PUBLISH_UPDATE, Scope.YANK), p.scopes());
        assertEquals(List.of("serde*"), p.cratePatterns());

        browser.driver.navigate().refresh();
        browser.awaitText(By.id("tokens"), "ci publish");
        assertFalse(browser.driver.getPageSource().contains(secret), "the secret is shown only once");

        WebElement row = browser.driver.findElement(By.xpath("//table[@id='tokens']//tr[th='ci publish']"));
        row.findElement(By.cssSelector("button[data-revoke]")).click();
        browser.waitingForAlert().accept();
        browser.waiting().until(ExpectedConditions.textToBePresentInElementLocated(
                By.xpath("//table[@id='tokens']//tr[th='ci publish']"), "revoked"));
        assertTrue(registry.tokens().authenticate(secret).isEmpty(), "a revoked token no longer works");
        browser.screenshot("06-token-revoked");
    }

    @Test
    @Order(5)
    void setupSnippetsAreGeneratedForThisRegistry() throws Exception {
        open("/setup");
        WebElement consumer = browser.await(By.cssSelector("#snippet-consumer code"));
        assertEquals("[registries.sandcrate]\nindex = \"sparse+" + registry.url() + "/index/\"", consumer.getText().strip());
        WebElement name = browser.driver.findElement(By.id("reg-name"));
        name.clear();
        name.sendKeys("corp", Keys.ENTER);
        browser.awaitText(By.cssSelector("#snippet-consumer code"), "[registries.corp]");
        assertTrue(browser.driver.findElement(By.cssSelector("#snippet-mirror code")).getText().contains("replace-with = \"corp\""));
        assertTrue(browser.driver.findElement(By.cssSelector("#snippet-credentials code")).getText().contains("cargo login --registry corp"));
        browser.screenshot("07-setup");
    }

    @Test
    @Order(6)
    void adminSeesUsersAndAddsOne() throws Exception {
        open("/admin");
        browser.awaitText(By.id("users"), "alice");
        browser.driver.findElement(By.id("new-login")).sendKeys("bob");
        browser.driver.findElement(By.id("new-password")).sendKeys("bob's long password");
        browser.driver.findElement(By.cssSelector("#user-form button[type=submit]")).click();
        browser.awaitText(By.id("users"), "bob");
        assertTrue(registry.users().find("bob").isPresent());
        browser.screenshot("08-admin");
    }

    static Path debianFolder(String name) throws Exception {
        try (var dirs = Files.list(DEBIAN)) {
            List<Path> matches = dirs.filter(d -> d.getFileName().toString().matches(java.util.regex.Pattern.quote(name) + "-\\d+\\..*"))
                    .sorted().toList();
            assertFalse(matches.isEmpty(), "Debian has no " + name + " under " + DEBIAN + " (run scripts/setup.sh --test)");
            return matches.getLast();
        }
    }

    static byte[] publishBody(CratePacker.PackedCrate packed) {
        byte[] meta = ("{\"name\":\"" + packed.name() + "\",\"vers\":\"" + packed.version() + "\",\"deps\":[],\"features\":{}}")
                .getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer len = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
        out.writeBytes(len.putInt(0, meta.length).array());
        out.writeBytes(meta);
        out.writeBytes(len.putInt(0, packed.bytes().length).array());
        out.writeBytes(packed.bytes());
        return out.toByteArray();
    }
}
