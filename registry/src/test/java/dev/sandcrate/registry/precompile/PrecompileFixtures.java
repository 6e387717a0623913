package dev.sandcrate.registry.precompile;

import dev.sandcrate.index.crate.CratePacker;
import dev.sandcrate.precompile.pipeline.BuildRecord;
import dev.sandcrate.precompile.pipeline.FeatureSet;
import dev.sandcrate.precompile.pipeline.MacroCrate;
import dev.sandcrate.precompile.pipeline.TestEnv;
import dev.sandcrate.registry.Registry;
import dev.sandcrate.registry.auth.Scope;

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

/** Publishing real (Debian) and small generated crates into a test registry over HTTP, and real built artifacts. */
public final class PrecompileFixtures {
    static final Path DEBIAN = Path.of("/usr/share/cargo/registry");
    static final HttpClient HTTP = HttpClient.newHttpClient();

    private PrecompileFixtures() {
    }

    public static String token(Registry r, String login, boolean admin) {
        long id = r.users().find(login).orElseGet(() -> r.users().add(login, admin)).id();
        return r.tokens().create(id, login + "-token", EnumSet.allOf(Scope.class), List.of(), null).secret();
    }

    /** A real verified artifact of a crate, its .crate and its build record. */
    public record BuiltArtifact(CratePacker.PackedCrate crate, BuildRecord record, byte[] wasm) {
    }

    /**
     * The verified artifact (default features) of a Debian macro crate folder such as {@code paste-1.0.7}: the precompile
     * tests' fixture ({@link TestEnv#artifactFile}), built once and reused from {@code ~/.cache/sandcrate/fixtures}.
     */
    public static BuiltArtifact debianArtifact(String folder) throws Exception {
        CratePacker.PackedCrate packed = CratePacker.pack(DEBIAN.resolve(folder));
        Path wasm = TestEnv.artifactFile(MacroCrate.of(packed.bytes()), FeatureSet.defaults(), TestEnv.debian());
        return new BuiltArtifact(packed, BuildRecord.read(wasm.resolveSibling(wasm.getFileName() + ".build.json")), Files.readAllBytes(wasm));
    }

    public static void publishDebian(Registry r, String token, String... folders) throws Exception {
        for (String folder : folders) publish(r, token, CratePacker.pack(DEBIAN.resolve(folder)));
    }

    /** A crate from a Cargo.toml body (after [package] name/version/edition) and a lib.rs. */
    public static CratePacker.PackedCrate crate(Path work, String name, String version, String toml, String libRs) throws Exception {
        Path dir = Files.createTempDirectory(work, name);
        Files.createDirectories(dir.resolve("src"));
        Files.writeString(dir.resolve("Cargo.toml"), "[package]\nname = \"" + name + "\"\nversion = \"" + version
                + "\"\nedition = \"2021\"\n" + toml);
        Files.writeString(dir.resolve("src/lib.rs"), libRs);
        return CratePacker.pack(dir);
    }

    public static void publish(Registry r, String token, CratePacker.PackedCrate packed) throws Exception {
        HttpResponse<String> resp = HTTP.send(HttpRequest.newBuilder(URI.create(r.url() + "/api/v1/crates/new"))
                .header("Authorization", token).PUT(HttpRequest.BodyPublishers.ofByteArray(publishBody(packed))).build(),
                HttpResponse.BodyHandlers.ofString());
        if (resp.statusCode() != 200) throw new AssertionError("publishing " + packed.name() + " failed: " + resp.body());
    }

    /** The body of cargo's publish request for {@code packed}, without dependencies or features. */
    public static byte[] publishBody(CratePacker.PackedCrate packed) {
        byte[] meta = ("{\"name\":\"" + packed.name() + "\",\"vers\":\"" + packed.version() + "\",\"deps\":[],\"features\":{}}")
                .getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(meta.length).array());
        out.writeBytes(meta);
        out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(packed.bytes().length).array());
        out.writeBytes(packed.bytes());
        return out.toByteArray();
    }

    public static HttpResponse<String> send(Registry r, String method, String path, String token, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(r.url() + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) b.header("Authorization", token);
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
