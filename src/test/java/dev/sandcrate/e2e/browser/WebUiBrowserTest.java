package dev.sandcrate.e2e.browser;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sandcrate.registry.db.DatabaseConfig;
import dev.sandcrate.index.crate.CratePacker;
import dev.sandcrate.registry.Registry;
import dev.sandcrate.registry.RegistryConfig;
import dev.sandcrate.registry.auth.Principal;
import dev.sandcrate.registry.auth.Scope;
import dev.sandcrate.registry.db.Database;
import dev.sandcrate.registry.precompile.PrecompileConfig;
import dev.sandcrate.registry.auth.Passwords;
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
 * page, a yanked version, sign-in, creating and revoking a token, the setup snippets, the precompile report of a real
 * macro built by the registry's worker, the playground running it in the sandbox, and the admin page. Each step
 * leaves a screenshot in target/screenshots/.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 20, unit = TimeUnit.MINUTES)
class WebUiBrowserTest {
    static final Path DEBIAN = Path.of("/usr/share/cargo/registry");
    static final List<String> CRATES = List.of("unicode-ident", "proc-macro2", "quote", "syn", "serde_derive", "serde",
            "itoa", "ryu", "serde_json", "thiserror-impl", "thiserror");
    static final String PASSWORD = "a long enough password";
    static final ObjectMapper JSON = new ObjectMapper();

    Path tmp;
    Registry registry;
    Chromium browser;
    String publisherToken;

    @BeforeAll
    void start() throws Exception {
        tmp = Files.createTempDirectory("sandcrate-browser");
        // one in-process worker precompiles thiserror-impl for the report and the playground; serde_derive is denied
        // by the operator's list (that keeps the test short and shows a denied job)
        registry = Registry.start(RegistryConfig.loopback(tmp.resolve("data")),
                PrecompileConfig.embedded().withWorkers(1).withPolicy(List.of(), List.of("serde_derive")));
        long alice = registry.users().add("alice", true).id();
        try (Database db = Database.open(tmp.resolve("data"), DatabaseConfig.EMBEDDED)) {
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
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(registry.url() + "/api/v1/crates/new"))
                .header("Authorization", publisherToken)
                .PUT(HttpRequest.BodyPublishers.ofByteArray(publishBody(runawayMacros()))).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
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
        assertEquals(String.valueOf(CRATES.size() + 1), browser.driver.findElement(By.cssSelector("[data-stat=crates]")).getText());
        assertEquals("3", browser.driver.findElement(By.cssSelector("[data-stat=macro_versions]")).getText());
        List<String> recent = browser.driver.findElements(By.cssSelector("#recent li > a")).stream().map(WebElement::getText).toList();
        assertEquals(List.of("runaway", "thiserror", "thiserror-impl"), recent.subList(0, 3), "newest first: " + recent);
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
    void registerAPublicKeyForAsymmetricTokensAndRevokeIt() throws Exception {
        open("/account");
        browser.awaitText(By.tagName("h1"), "Account: alice");
        dev.sandcrate.registry.auth.PasetoSigner key = new dev.sandcrate.registry.auth.PasetoSigner();
        browser.scrollTo(By.id("key-h"));
        browser.driver.findElement(By.id("key-name")).sendKeys("laptop key");
        browser.driver.findElement(By.id("key-public")).sendKeys(key.paserkPublic());
        for (WebElement box : browser.driver.findElements(By.cssSelector("input[name=key-scopes]"))) {
            boolean want = List.of("publish-update", "yank").contains(box.getAttribute("value"));
            if (box.isSelected() != want) box.click();
        }
        browser.driver.findElement(By.cssSelector("#key-form button[type=submit]")).click();
        browser.awaitText(By.id("key-result"), key.pid());
        browser.awaitText(By.id("keys"), "laptop key");
        browser.screenshot("06b-key-registered");

        HttpResponse<String> listed = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(registry.url() + "/api/v1/me/keys"))
                .header("Authorization", publisherToken).build(), HttpResponse.BodyHandlers.ofString());
        JsonNode k = JSON.readTree(listed.body()).get("keys").get(0);
        assertEquals(key.pid(), k.get("key_id").asText());
        assertEquals("[\"publish-update\",\"yank\"]", k.get("scopes").toString());

        WebElement row = browser.driver.findElement(By.xpath("//table[@id='keys']//tr[th='laptop key']"));
        row.findElement(By.cssSelector("button[data-revoke-key]")).click();
        browser.waitingForAlert().accept();
        browser.waiting().until(ExpectedConditions.textToBePresentInElementLocated(
                By.xpath("//table[@id='keys']//tr[th='laptop key']"), "revoked"));
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

        // the sandbox opt-in is offered exactly when the registry serves the runtime and the precompiled view
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> runtime = http.send(HttpRequest.newBuilder(URI.create(registry.url() + "/runtime")).build(), HttpResponse.BodyHandlers.ofString());
        if (runtime.statusCode() == 200) {
            assertEquals(JSON.readTree(runtime.body()).path("install").asText(),
                    browser.await(By.cssSelector("#snippet-runtime code")).getText().strip());
        } else {
            browser.await(By.id("no-runtime"));
        }
        int view = http.send(HttpRequest.newBuilder(URI.create(registry.url() + "/precompiled/index/config.json")).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
        if (view == 200) {
            assertTrue(browser.await(By.cssSelector("#snippet-precompiled-view code")).getText()
                    .contains("index = \"sparse+" + registry.url() + "/precompiled/index/\""));
            String patch = browser.await(By.cssSelector("#snippet-precompiled-patch code")).getText();
            assertTrue(patch.contains("[registries.corp-precompiled]") && patch.contains("[patch.corp]")
                    && patch.contains("registry = \"corp-precompiled\""), patch);
        } else {
            browser.await(By.id("no-view"));
        }
    }

    @Test
    @Order(9)
    void anAuthRequiredRegistrySendsVisitorsToSignInFirst() throws Exception {
        Path data = tmp.resolve("data-auth");
        try (Registry closed = Registry.start(RegistryConfig.loopback(data).withAuthRequired(true))) {
            long carol = closed.users().add("carol", false).id();
            try (Database db = Database.open(data, DatabaseConfig.EMBEDDED)) {
                new Passwords(db.jdbi()).set(carol, PASSWORD);
            }
            browser.driver.manage().deleteAllCookies();
            browser.driver.get(closed.url() + "/search?q=serde");
            browser.await(By.id("password-form"));
            assertTrue(browser.driver.getCurrentUrl().endsWith("/login?next=%2Fsearch%3Fq%3Dserde"), browser.driver.getCurrentUrl());
            browser.driver.findElement(By.id("login")).sendKeys("carol");
            browser.driver.findElement(By.id("password")).sendKeys(PASSWORD, Keys.ENTER);
            browser.awaitText(By.id("result-count"), "0 crates");
            assertTrue(browser.driver.getCurrentUrl().endsWith("/search?q=serde"));
        }
    }

    /** Waits (through the public API) until the worker has finished thiserror-impl's default feature set. */
    JsonNode awaitPrecompiled(String crate, String version) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(15);
        JsonNode set = null;
        while (System.nanoTime() < deadline) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(registry.url() + "/api/v1/crates/" + crate + "/"
                    + version + "/precompiled")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), r.body());
            for (JsonNode s : JSON.readTree(r.body()).path("feature_sets")) {
                if (s.path("key").asText().equals("default")) set = s;
            }
            if (set != null && List.of("verified", "rejected", "failed").contains(set.path("state").asText())) return set;
            Thread.sleep(1000);
        }
        throw new AssertionError(crate + " was not precompiled in time; last status " + set);
    }

    @Test
    @Order(6)
    void precompileReportShowsEligibilityBothBuildsAndTheArtifact() throws Exception {
        JsonNode set = awaitPrecompiled("thiserror-impl", "1.0.38");
        assertEquals("verified", set.path("state").asText(), set.toPrettyString());
        String artifact = set.at("/artifact/sha256").asText();

        open("/crates/thiserror-impl");
        browser.await(By.id("precompile-link")).click();
        browser.awaitText(By.tagName("h1"), "Precompile report: thiserror-impl");
        assertTrue(browser.driver.findElement(By.id("eligibility")).getText().contains("eligible"));
        WebElement defaults = browser.driver.findElement(By.cssSelector(".feature-set[data-key=default]"));
        assertEquals("verified", defaults.findElement(By.cssSelector("[data-state]")).getText());
        List<String> hashes = defaults.findElements(By.cssSelector(".build-hash")).stream().map(WebElement::getText).toList();
        assertEquals(2, hashes.size(), hashes.toString());
        assertEquals(hashes.get(0), hashes.get(1), "both builds gave the same bytes");
        assertEquals(set.at("/builds/0/wasm_sha256").asText(), hashes.get(0));
        assertEquals(artifact, defaults.findElement(By.cssSelector("[data-artifact]")).getText());
        assertTrue(defaults.findElement(By.id("hashes-match-default")).isDisplayed());
        WebElement download = defaults.findElement(By.linkText("Download .wasm"));
        assertEquals(registry.url() + "/api/v1/precompiled/" + artifact + ".wasm", download.getAttribute("href"));
        assertTrue(defaults.getText().contains("rustc 1.96"), "toolchain shown");
        assertFalse(defaults.findElements(By.tagName("details")).isEmpty(), "the lockfile is there to read");
        assertFalse(defaults.findElements(By.partialLinkText("log of")).isEmpty(), "build logs are linked");
        browser.screenshot("08-precompile-report");

        // the operator's deny list makes serde_derive ineligible, and the report says why
        open("/crates/serde_derive/1.0.152/precompiled");
        browser.await(By.cssSelector(".feature-set [data-state]"));
        assertEquals("ineligible", browser.driver.findElement(By.cssSelector(".feature-set[data-key=default] [data-state]")).getText());
        assertTrue(browser.driver.findElement(By.cssSelector(".checks")).getText().contains("operator"));
    }

    @Test
    @Order(7)
    void playgroundExpandsARealDeriveInTheSandbox() throws Exception {
        awaitPrecompiled("thiserror-impl", "1.0.38");
        open("/playground");
        WebElement select = browser.await(By.id("macro"));
        new org.openqa.selenium.support.ui.Select(select).selectByVisibleText("thiserror-impl 1.0.38 — Error (#[derive])");
        String input = browser.driver.findElement(By.id("input")).getAttribute("value");
        assertTrue(input.contains("#[derive(Error)]"), input);
        browser.driver.findElement(By.id("expand")).click();
        browser.awaitText(By.id("status"), "expanded");
        String output = browser.driver.findElement(By.id("output")).getText();
        assertTrue(output.contains("impl std::error::Error for ReadError {}"), output);
        assertTrue(output.contains("impl std::fmt::Display for ReadError {"), output);
        assertTrue(output.contains("write!(__formatter, \"could not read {path}: {reason}\""), output);
        browser.scrollTo(By.id("result"));
        browser.screenshot("09-playground");

        // a macro error comes back as the macro's own message, not a server failure
        typeInput("#[derive(Error)]\nunion Bits { a: u8, b: i8 }\n");
        browser.driver.findElement(By.id("expand")).click();
        String result = browser.awaitChange(By.id("result"), output);
        assertTrue(result.contains("compile_error!") && result.contains("union as errors are not supported"), "thiserror's own error: " + result);

        // the sandbox's limits hold: a macro that never ends is stopped, one that eats memory is refused more
        assertEquals("verified", awaitPrecompiled("runaway", "0.1.0").path("state").asText());
        open("/playground");
        new org.openqa.selenium.support.ui.Select(browser.await(By.id("macro"))).selectByVisibleText("runaway 0.1.0 — spin (macro!)");
        typeInput("run forever");
        browser.driver.findElement(By.id("expand")).click();
        String spun = browser.awaitChange(By.id("result"), "Run a macro");
        assertTrue(spun.startsWith("stopped") && spun.contains("time limit"), spun);
        browser.scrollTo(By.id("result"));
        browser.screenshot("10-playground-limit");
        new org.openqa.selenium.support.ui.Select(browser.driver.findElement(By.id("macro"))).selectByVisibleText("runaway 0.1.0 — hog (macro!)");
        typeInput("take everything");
        browser.driver.findElement(By.id("expand")).click();
        String hogged = browser.awaitChange(By.id("result"), spun);
        assertTrue(hogged.startsWith("stopped") && hogged.contains("memory limit"), hogged);
    }

    @Test
    @Order(8)
    void adminSeesUsersAndAddsOne() throws Exception {
        open("/admin");
        browser.awaitText(By.id("users"), "alice");
        browser.await(By.cssSelector("#jobs tbody tr"));
        String jobs = browser.driver.findElement(By.id("jobs")).getText();
        assertTrue(jobs.contains("thiserror-impl 1.0.38") && jobs.contains("verified"), jobs);
        assertTrue(jobs.contains("serde_derive 1.0.152") && jobs.contains("ineligible"), jobs);
        assertTrue(browser.driver.findElement(By.id("policy")).getText().contains("serde_derive"));
        String queue = browser.driver.findElement(By.id("queue")).getText();
        assertTrue(queue.contains(" queued (") && queue.contains("recent jobs take") && queue.matches("(?s).*Dependency cache: [1-9]\\d* verified dependency builds.*"), queue);
        browser.driver.findElement(By.id("new-login")).sendKeys("bob");
        browser.driver.findElement(By.id("new-password")).sendKeys("bob's long password");
        browser.driver.findElement(By.cssSelector("#user-form button[type=submit]")).click();
        browser.awaitText(By.id("users"), "bob");
        assertTrue(registry.users().find("bob").isPresent());
        browser.screenshot("11-admin");
        browser.scrollTo(By.id("pc-h"));
        browser.screenshot("12-admin-precompile");
    }

    void typeInput(String text) {
        WebElement box = browser.driver.findElement(By.id("input"));
        box.clear();
        box.sendKeys(text);
    }

    /** Two misbehaving function-like macros (no dependencies, so they build in seconds): one never ends, one eats memory. */
    CratePacker.PackedCrate runawayMacros() throws Exception {
        Path dir = tmp.resolve("runaway");
        Files.createDirectories(dir.resolve("src"));
        Files.writeString(dir.resolve("Cargo.toml"), """
                [package]
                name = "runaway"
                version = "0.1.0"
                edition = "2021"
                description = "macros that break the playground's limits"

                [lib]
                proc-macro = true
                """);
        Files.writeString(dir.resolve("src/lib.rs"), """
                use proc_macro::TokenStream;

                // Both misbehave only when asked to, so the registry's validation run (which calls every macro) passes.
                #[proc_macro]
                pub fn spin(input: TokenStream) -> TokenStream {
                    if input.to_string().contains("forever") {
                        let mut n: u64 = 0;
                        while std::hint::black_box(n) != u64::MAX { n = n.wrapping_add(1) | 1; }
                    }
                    input
                }

                #[proc_macro]
                pub fn hog(input: TokenStream) -> TokenStream {
                    if input.to_string().contains("everything") {
                        let mut chunks: Vec<Vec<u8>> = Vec::new();
                        loop { chunks.push(std::hint::black_box(vec![1u8; 16 << 20])); if chunks.len() == usize::MAX { break; } }
                    }
                    input
                }
                """);
        return CratePacker.pack(dir);
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
