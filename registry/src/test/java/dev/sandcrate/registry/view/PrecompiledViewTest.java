package dev.sandcrate.registry.view;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sandcrate.index.IndexPaths;
import dev.sandcrate.registry.Registry;
import dev.sandcrate.registry.RegistryConfig;
import dev.sandcrate.registry.precompile.PrecompileFixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The view over versions that have no verified artifact (here: a registry that plans but does not build), so
 * everything must be exactly the source index; shims themselves are covered end to end by ConsumerOptInTest.
 */
class PrecompiledViewTest {
    static final HttpClient HTTP = HttpClient.newHttpClient();
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void withoutVerifiedArtifactsTheViewIsTheSourceIndex() throws Exception {
        try (Registry registry = Registry.start(RegistryConfig.loopback(tmp.resolve("data")))) {
            registry.precompiledView().serveRuntime(RuntimeBundle.of(RuntimeBundleTest.bundle(tmp.resolve("bundle"), new byte[]{7})));
            String token = PrecompileFixtures.token(registry, "alice", false);
            PrecompileFixtures.publish(registry, token, PrecompileFixtures.crate(tmp, "plain-lib", "1.0.0", "[features]\ndefault = [\"std\"]\nstd = []\n", "pub fn f() {}\n"));
            PrecompileFixtures.publish(registry, token, PrecompileFixtures.crate(tmp, "plain-lib", "1.1.0", "", "pub fn f() {}\n"));
            PrecompileFixtures.publish(registry, token, PrecompileFixtures.crate(tmp, "my-macro", "0.1.0", "[lib]\nproc-macro = true\n",
                    "use proc_macro::TokenStream;\n#[proc_macro]\npub fn id(i: TokenStream) -> TokenStream { i }\n"));

            for (String crate : List.of("plain-lib", "my-macro")) {
                HttpResponse<byte[]> source = get(registry.url() + "/index/" + IndexPaths.pathOf(crate), null);
                HttpResponse<byte[]> viewed = get(registry.url() + "/precompiled/index/" + IndexPaths.pathOf(crate), null);
                assertEquals(200, viewed.statusCode());
                assertArrayEquals(source.body(), viewed.body(), crate);
                String etag = viewed.headers().firstValue("ETag").orElseThrow();
                assertEquals(304, get(registry.url() + "/precompiled/index/" + IndexPaths.pathOf(crate), etag).statusCode());
                assertEquals(200, get(registry.url() + "/precompiled/index/" + IndexPaths.pathOf(crate), "\"other\"").statusCode());
            }
            assertArrayEquals(registry.crates().crateBytes("my-macro", "0.1.0").orElseThrow(),
                    get(registry.url() + "/precompiled/dl/my-macro/0.1.0", null).body(), "no artifact: the original .crate");

            JsonNode config = JSON.readTree(get(registry.url() + "/precompiled/index/config.json", null).body());
            assertEquals(registry.url() + "/precompiled/dl/{crate}/{version}", config.path("dl").asText());
            assertEquals(registry.url(), config.path("api").asText());
            assertFalse(config.path("auth-required").asBoolean());

            HttpResponse<byte[]> noShim = get(registry.url() + "/api/v1/crates/my-macro/0.1.0/shim", null);
            assertEquals(404, noShim.statusCode());
            assertTrue(detail(noShim).contains("has no shim"), detail(noShim));
            HttpResponse<byte[]> unknown = get(registry.url() + "/precompiled/index/" + IndexPaths.pathOf("nope"), null);
            assertEquals(404, unknown.statusCode());
            assertEquals("crate `nope` does not exist", detail(unknown));
            assertEquals(404, get(registry.url() + "/precompiled/dl/plain-lib/9.0.0", null).statusCode());
            HttpResponse<byte[]> runtime = get(registry.url() + "/runtime/sandcrate-runtime-linux-x86_64.tar.gz", null);
            assertEquals(200, runtime.statusCode());
            assertArrayEquals(new byte[]{7}, runtime.body());
            HttpResponse<byte[]> otherArch = get(registry.url() + "/runtime/sandcrate-runtime-linux-riscv64.tar.gz", null);
            assertEquals(404, otherArch.statusCode());
            assertTrue(detail(otherArch).contains("this registry serves sandcrate-runtime-linux-x86_64.tar.gz"), detail(otherArch));
        }
    }

    @Test
    void anAuthRequiredRegistryGuardsItsViewToo() throws Exception {
        try (Registry registry = Registry.start(RegistryConfig.loopback(tmp.resolve("data")).withAuthRequired(true))) {
            String token = PrecompileFixtures.token(registry, "alice", false);
            PrecompileFixtures.publish(registry, token, PrecompileFixtures.crate(tmp, "plain-lib", "1.0.0", "", "pub fn f() {}\n"));
            HttpResponse<byte[]> anonymous = get(registry.url() + "/precompiled/index/" + IndexPaths.pathOf("plain-lib"), null);
            assertEquals(401, anonymous.statusCode());
            assertTrue(anonymous.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Cargo login_url="));
            assertEquals(401, get(registry.url() + "/precompiled/dl/plain-lib/1.0.0", null).statusCode());
            HttpResponse<byte[]> withToken = HTTP.send(HttpRequest.newBuilder(URI.create(registry.url() + "/precompiled/index/" + IndexPaths.pathOf("plain-lib")))
                    .header("Authorization", token).build(), HttpResponse.BodyHandlers.ofByteArray());
            assertEquals(200, withToken.statusCode());
            assertEquals(401, get(registry.url() + "/precompiled/index/config.json", null).statusCode());
            HttpResponse<byte[]> noRuntime = get(registry.url() + "/runtime/install.sh", null);
            assertEquals(404, noRuntime.statusCode(), "the installer is public, but none is configured");
            assertTrue(detail(noRuntime).contains(RuntimeBundle.ENV), detail(noRuntime));
        }
    }

    private static String detail(HttpResponse<byte[]> resp) throws Exception {
        return JSON.readTree(resp.body()).path("errors").get(0).path("detail").asText();
    }

    private static HttpResponse<byte[]> get(String url, String ifNoneMatch) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url));
        if (ifNoneMatch != null) b.header("If-None-Match", ifNoneMatch);
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }
}
