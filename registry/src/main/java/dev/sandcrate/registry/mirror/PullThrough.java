package dev.sandcrate.registry.mirror;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sandcrate.index.Checksums;
import dev.sandcrate.index.IndexEntry;
import dev.sandcrate.index.IndexFile;
import dev.sandcrate.index.IndexPaths;
import dev.sandcrate.registry.RegistryException;
import dev.sandcrate.registry.crates.CrateService;
import dev.sandcrate.registry.crates.UpstreamCrates;
import dev.sandcrate.registry.storage.BlobStore;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Pull-through proxy: crates this registry does not have are served from an upstream registry (its sparse index)
 * on demand and cached: index files in {@code mirror_upstream_index}, .crate files in their own blob store (checked
 * against the upstream index's cksum before they are kept or served). Crates published here always win over the
 * upstream's crates of the same name.
 * <p>
 * When the upstream is down, cached index files are served as they were last fetched and cached .crate files as
 * always; a crate never fetched answers 503 (not 404, which would tell cargo the crate does not exist).
 */
public final class PullThrough implements UpstreamCrates {
    private static final Logger LOG = LoggerFactory.getLogger(PullThrough.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Jdbi jdbi;
    private final BlobStore blobs;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
            .followRedirects(HttpClient.Redirect.NORMAL).build();
    private volatile Upstream upstream;
    private volatile String downloadTemplate;

    /** @param indexUrl the upstream's sparse index, ending in '/'; @param token sent as Authorization, or null */
    private record Upstream(String indexUrl, String token, Duration ttl) {}

    public PullThrough(Jdbi jdbi, BlobStore blobs) {
        this.jdbi = jdbi;
        this.blobs = blobs;
    }

    /**
     * Serves crates from the registry whose sparse index is at {@code indexUrl} ({@code sparse+} prefix optional).
     * Index files younger than {@code ttl} are served from the cache without asking the upstream.
     */
    public void configure(String indexUrl, String token, Duration ttl) {
        String url = indexUrl.strip();
        if (url.startsWith("sparse+")) url = url.substring("sparse+".length());
        if (!url.matches("https?://[^/\\s]+(/\\S*)?")) {
            throw new IllegalArgumentException("the upstream must be a sparse index URL like sparse+https://host/index/, got " + indexUrl);
        }
        if (!url.endsWith("/")) url += "/";
        if (ttl.isNegative()) throw new IllegalArgumentException("the upstream TTL must not be negative");
        this.upstream = new Upstream(url, token, ttl);
        this.downloadTemplate = null;
    }

    public boolean enabled() {
        return upstream != null;
    }

    /** The upstream's index file for a crate (from the cache while fresh or while the upstream is down). */
    @Override
    public Optional<CrateService.IndexFileBody> indexFile(String name) {
        Upstream up = upstream;
        if (up == null) return Optional.empty();
        String key = name.toLowerCase(Locale.ROOT);
        Optional<Cached> cached = cached(key);
        long now = System.currentTimeMillis();
        if (cached.isPresent() && now - cached.get().fetchedAt() < up.ttl().toMillis()) return cached.map(Cached::file);

        HttpRequest.Builder req = request(up, up.indexUrl() + IndexPaths.pathOf(key));
        cached.map(Cached::etag).ifPresent(etag -> req.header("If-None-Match", etag));
        HttpResponse<byte[]> resp;
        try {
            resp = http.send(req.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            return stale(key, cached, "unreachable (" + e.getClass().getSimpleName() + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw RegistryException.notFound("interrupted");
        }
        switch (resp.statusCode()) {
            case 200 -> {
                String body = new String(resp.body(), StandardCharsets.UTF_8);
                try {
                    List<IndexEntry> lines = IndexFile.parse(body);
                    if (lines.isEmpty() || !lines.stream().allMatch(l -> l.name().equalsIgnoreCase(name))) {
                        return stale(key, cached, "answered an index file that is not " + name + "'s");
                    }
                } catch (IllegalArgumentException e) {
                    return stale(key, cached, "answered an invalid index file (" + e.getMessage() + ")");
                }
                String etag = resp.headers().firstValue("ETag").orElse(null);
                store(key, body, etag, now);
                return Optional.of(new CrateService.IndexFileBody(resp.body(), now));
            }
            case 304 -> {
                if (cached.isEmpty()) return stale(key, cached, "answered 304 to an unconditional request");
                jdbi.useHandle(h -> h.createUpdate("UPDATE mirror_upstream_index SET fetched_at = :t WHERE name = :n")
                        .bind("t", now).bind("n", key).execute());
                return cached.map(Cached::file);
            }
            case 404, 410, 451 -> {
                jdbi.useHandle(h -> h.createUpdate("DELETE FROM mirror_upstream_index WHERE name = :n").bind("n", key).execute());
                return Optional.empty();
            }
            default -> {
                return stale(key, cached, "answered HTTP " + resp.statusCode());
            }
        }
    }

    private Optional<CrateService.IndexFileBody> stale(String name, Optional<Cached> cached, String problem) {
        if (cached.isPresent()) {
            LOG.warn("upstream {} {} for {}; serving the cached index file from {}", upstream.indexUrl(), problem, name,
                    java.time.Instant.ofEpochMilli(cached.get().fetchedAt()));
            return cached.map(Cached::file);
        }
        throw new RegistryException(503, "crate `" + name + "` is not in this registry and its upstream "
                + upstream.indexUrl() + " " + problem + "; try again later");
    }

    /** A .crate of an upstream crate: from the cache, or fetched, checked against the index cksum and kept. */
    @Override
    public Optional<InputStream> download(String name, String version) throws IOException {
        Upstream up = upstream;
        if (up == null) return Optional.empty();
        Optional<IndexEntry> entry = indexFile(name).flatMap(f -> IndexFile.parse(new String(f.body(), StandardCharsets.UTF_8))
                .stream().filter(e -> e.vers().equals(version)).findFirst());
        if (entry.isEmpty()) return Optional.empty();
        String cksum = entry.get().cksum();
        InputStream cachedBlob = blobs.open(cksum);
        if (cachedBlob != null) return Optional.of(cachedBlob);

        String url = downloadUrl(up, entry.get());
        HttpResponse<byte[]> resp;
        try {
            resp = http.send(request(up, url).timeout(Duration.ofMinutes(2)).build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new RegistryException(503, "the upstream registry is unreachable and " + name + " " + version
                    + " has not been downloaded through this registry before; try again later");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        if (resp.statusCode() != 200) {
            throw new RegistryException(502, "the upstream registry answered HTTP " + resp.statusCode() + " for " + name + " " + version);
        }
        String got = Checksums.sha256Hex(resp.body());
        if (!got.equals(cksum)) {
            throw new RegistryException(502, "the upstream registry served a .crate for " + name + " " + version + " from " + url
                    + " whose sha256 " + got + " (" + resp.body().length + " bytes) differs from its index's " + cksum + "; not serving it");
        }
        blobs.put(resp.body());
        LOG.info("cached {} {} from upstream {}", name, version, up.indexUrl());
        return Optional.of(new ByteArrayInputStream(resp.body()));
    }

    private String downloadUrl(Upstream up, IndexEntry entry) {
        String dl = downloadTemplate;
        if (dl == null) {
            try {
                HttpResponse<byte[]> resp = http.send(request(up, up.indexUrl() + "config.json").build(), HttpResponse.BodyHandlers.ofByteArray());
                if (resp.statusCode() != 200) throw new IOException("HTTP " + resp.statusCode());
                JsonNode config = JSON.readTree(resp.body());
                dl = config.path("dl").asText("");
                if (dl.isEmpty()) throw new IOException("its config.json has no `dl`");
            } catch (IOException e) {
                throw new RegistryException(503, "cannot read the upstream registry's config.json: " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RegistryException(503, "interrupted");
            }
            downloadTemplate = dl;
        }
        String name = entry.name();
        if (!dl.matches(".*\\{(crate|version|prefix|lowerprefix|sha256-checksum)}.*")) {
            return dl.replaceAll("/+$", "") + "/" + name + "/" + entry.vers() + "/download";
        }
        return dl.replace("{crate}", name).replace("{version}", entry.vers()).replace("{prefix}", prefix(name))
                .replace("{lowerprefix}", prefix(name.toLowerCase(Locale.ROOT))).replace("{sha256-checksum}", entry.cksum());
    }

    /** cargo's {prefix}: the index directory of the name, as cased as the name is. */
    private static String prefix(String name) {
        return switch (name.length()) {
            case 1 -> "1";
            case 2 -> "2";
            case 3 -> "3/" + name.charAt(0);
            default -> name.substring(0, 2) + "/" + name.substring(2, 4);
        };
    }

    private static HttpRequest.Builder request(Upstream up, String url) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20)).header("User-Agent", "sandcrate-pull-through");
        if (up.token() != null) b.header("Authorization", up.token());
        return b;
    }

    private record Cached(CrateService.IndexFileBody file, String etag, long fetchedAt) {}

    private Optional<Cached> cached(String name) {
        return jdbi.withHandle(h -> h.createQuery("SELECT body, etag, fetched_at FROM mirror_upstream_index WHERE name = :n")
                .bind("n", name)
                .map((rs, ctx) -> new Cached(new CrateService.IndexFileBody(rs.getString(1).getBytes(StandardCharsets.UTF_8),
                        rs.getLong(3)), rs.getString(2), rs.getLong(3)))
                .findOne());
    }

    private void store(String name, String body, String etag, long now) {
        jdbi.useTransaction(h -> {
            h.createUpdate("DELETE FROM mirror_upstream_index WHERE name = :n").bind("n", name).execute();
            h.createUpdate("INSERT INTO mirror_upstream_index (name, body, etag, fetched_at) VALUES (:n, :b, :e, :t)")
                    .bind("n", name).bind("b", body).bind("e", etag).bind("t", now).execute();
        });
    }
}
