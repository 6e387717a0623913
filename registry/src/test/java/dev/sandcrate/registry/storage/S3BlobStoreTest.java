package dev.sandcrate.registry.storage;

import dev.sandcrate.index.Checksums;
import dev.sandcrate.registry.Registry;
import dev.sandcrate.registry.RegistryConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ChecksumMode;

import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/** The BlobStore contract of {@link S3BlobStore} against a real S3-compatible server (S3Mock in its own process). */
class S3BlobStoreTest {
    static S3MockServer server;
    @TempDir
    Path tmp;

    @BeforeAll
    static void startServer() throws Exception {
        server = S3MockServer.start();
    }

    @AfterAll
    static void stopServer() {
        if (server != null) server.close();
    }

    @Test
    void putOpenExistsStoredAtDelete() throws Exception {
        S3BlobStore store = new S3BlobStore(server.location("contract", 1000), "crates");
        byte[] bytes = "a crate's bytes".getBytes(StandardCharsets.UTF_8);
        Instant before = Instant.now().truncatedTo(ChronoUnit.SECONDS).minusSeconds(1);
        String key = store.put(bytes);
        Instant after = Instant.now().plusSeconds(1);
        assertEquals(Checksums.sha256Hex(bytes), key);
        assertTrue(store.exists(key));
        try (InputStream in = store.open(key)) {
            assertArrayEquals(bytes, in.readAllBytes());
        }
        Instant stored = store.storedAt(key);
        assertFalse(stored.isBefore(before) || stored.isAfter(after), stored + " not between " + before + " and " + after);

        // the object sits under <prefix>/<area>/<sha256>, with the sha256 the server checked on upload
        try (S3Client raw = server.location("contract", 1000).client()) {
            var head = raw.headObject(r -> r.bucket(S3MockServer.BUCKET).key("contract/crates/" + key).checksumMode(ChecksumMode.ENABLED));
            assertEquals(Base64.getEncoder().encodeToString(HexFormat.of().parseHex(key)), head.checksumSHA256());
        }

        Thread.sleep(1100); // LastModified has second precision
        assertEquals(key, store.put(bytes), "putting the same bytes again is the same blob");
        assertEquals(stored, store.storedAt(key), "and does not rewrite it");

        store.delete(key);
        assertFalse(store.exists(key));
        assertNull(store.open(key));
        assertNull(store.storedAt(key));
        store.delete(key); // deleting what is gone is fine
        assertThrows(IllegalArgumentException.class, () -> store.open("../../etc/passwd"));
    }

    @Test
    void keysPaginatesAndStaysInsideItsArea() throws Exception {
        S3BlobStore crates = new S3BlobStore(server.location("paged", 7), "crates");
        S3BlobStore artifacts = new S3BlobStore(server.location("paged", 7), "precompiled");
        Set<String> expected = new HashSet<>();
        for (int i = 0; i < 25; i++) expected.add(crates.put(("blob " + i).getBytes(StandardCharsets.UTF_8)));
        String artifact = artifacts.put("an artifact".getBytes(StandardCharsets.UTF_8));

        assertEquals(expected, crates.keys(), "25 keys over 4 pages of 7");
        assertEquals(Set.of(artifact), artifacts.keys());
        assertFalse(crates.exists(artifact));
        assertEquals(Set.of(), new S3BlobStore(server.location("other-prefix", 7), "crates").keys());
    }

    /** The registry's start-up sweep works on a bucket: unreferenced crate blobs go (H2: this process owns the store). */
    @Test
    void aRegistryOnTheBucketSweepsOrphanBlobs() throws Exception {
        BlobStorage storage = server.storage("sweep");
        BlobStore crates = storage.open(tmp, BlobStorage.Area.CRATES);
        String orphan = crates.put("left by a publish that never committed".getBytes(StandardCharsets.UTF_8));
        try (Registry r = Registry.start(RegistryConfig.loopback(tmp.resolve("data")).withBlobs(storage))) {
            assertFalse(crates.exists(orphan));
            assertEquals(0, r.crates().sweepOrphanBlobs(Duration.ZERO));
        }
    }

    @Test
    void anUnreachableOrMissingBucketIsAClearError() {
        var missing = new S3BlobStore.Location("no-such-bucket", "", server.endpoint(), "us-east-1", true,
                server.location("", 1000).credentials(), 1000);
        BlobStorage.Unavailable e = assertThrows(BlobStorage.Unavailable.class, () -> new S3BlobStore(missing, "crates"));
        assertTrue(e.getMessage().startsWith("cannot use S3 bucket s3://no-such-bucket at " + server.endpoint()), e.getMessage());

        var closed = new S3BlobStore.Location(S3MockServer.BUCKET, "", URI.create("http://127.0.0.1:1"), "us-east-1", true,
                server.location("", 1000).credentials(), 1000);
        e = assertThrows(BlobStorage.Unavailable.class, () -> new S3BlobStore(closed, "crates"));
        assertTrue(e.getMessage().startsWith("cannot use S3 bucket s3://" + S3MockServer.BUCKET + " at http://127.0.0.1:1: "), e.getMessage());
    }

    @Test
    void blobUrls() {
        assertSame(BlobStorage.LOCAL, BlobStorage.parse(null));
        assertSame(BlobStorage.LOCAL, BlobStorage.parse(" "));
        var l = S3BlobStore.Location.parse("s3://my-bucket/sandcrate/prod/?endpoint=http%3A%2F%2Fminio.lan%3A9000&region=eu-west-1");
        assertEquals("my-bucket", l.bucket());
        assertEquals("sandcrate/prod", l.prefix());
        assertEquals(URI.create("http://minio.lan:9000"), l.endpoint());
        assertEquals("eu-west-1", l.region());
        assertTrue(l.pathStyle(), "path-style by default with an endpoint");
        assertNull(l.credentials(), "credentials come from the AWS chain");
        var aws = parse("s3://my-bucket");
        assertEquals("", aws.prefix());
        assertNull(aws.endpoint());
        assertFalse(aws.pathStyle());
        assertFalse(parse("s3://b0b/x?endpoint=https://s3.lan&path-style=false").pathStyle());

        for (String bad : new String[]{"/var/blobs", "http://bucket/x", "s3://Bad_Bucket/x", "s3://b0b?endpoint=ftp://x",
                "s3://b0b?path-style=maybe", "s3://b0b?acl=public", "s3://b0b?region="}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BlobStorage.parse(bad), bad);
            assertFalse(e.getMessage().isBlank());
        }
    }

    private static S3BlobStore.Location parse(String url) {
        return S3BlobStore.Location.parse(url);
    }
}
