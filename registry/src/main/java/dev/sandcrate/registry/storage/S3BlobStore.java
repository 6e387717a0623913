package dev.sandcrate.registry.storage;

import dev.sandcrate.index.Checksums;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Blobs as objects in an S3-compatible bucket: {@code <prefix>/<area>/<sha256>}. A PUT is atomic and durable when it
 * returns, so there are no temp files; the server checks the bytes against their sha256 (the key) on every put.
 */
public final class S3BlobStore implements BlobStore {
    private static final Pattern KEY = Pattern.compile("[0-9a-f]{64}");
    private final S3Client s3;
    private final String bucket;
    private final String prefix;
    private final int pageSize;

    /**
     * Where the objects live.
     *
     * @param prefix      key prefix without leading or trailing slash ("" for the bucket's root)
     * @param endpoint    an S3-compatible server (MinIO, Ceph, S3Mock ...), or null for AWS
     * @param region      the region, or null for the AWS default chain (us-east-1 with an endpoint and none configured)
     * @param pathStyle   http://host/bucket/key instead of http://bucket.host/key (what most S3-compatible servers need)
     * @param credentials null for the AWS default chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, ~/.aws, instance role)
     * @param pageSize    keys per listing request (S3 returns at most 1000)
     */
    public record Location(String bucket, String prefix, URI endpoint, String region, boolean pathStyle,
                           AwsCredentialsProvider credentials, int pageSize) {
        public Location {
            if (bucket == null || !bucket.matches("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")) {
                throw new IllegalArgumentException("not an S3 bucket name: " + bucket);
            }
            prefix = prefix == null ? "" : prefix.replaceAll("^/+|/+$", "");
            if (pageSize < 1 || pageSize > 1000) throw new IllegalArgumentException("S3 page size must be 1-1000");
        }

        /**
         * {@code s3://bucket[/prefix][?endpoint=http://host:port&region=R&path-style=true|false]}; path-style access
         * is the default when an endpoint is given.
         */
        public static Location parse(String url) {
            URI uri;
            try {
                uri = new URI(url.strip());
            } catch (java.net.URISyntaxException e) {
                throw new IllegalArgumentException("--blob-url is not a URL: " + e.getMessage());
            }
            if (!"s3".equals(uri.getScheme()) || uri.getHost() == null) {
                throw new IllegalArgumentException("--blob-url must be s3://bucket[/prefix][?endpoint=URL&region=R&path-style=true], got " + url);
            }
            Map<String, String> params = new HashMap<>();
            if (uri.getRawQuery() != null) {
                for (String p : uri.getRawQuery().split("&")) {
                    if (p.isEmpty()) continue;
                    int eq = p.indexOf('=');
                    String name = eq < 0 ? p : p.substring(0, eq);
                    String value = eq < 0 ? "" : URLDecoder.decode(p.substring(eq + 1), StandardCharsets.UTF_8);
                    if (!Set.of("endpoint", "region", "path-style").contains(name)) {
                        throw new IllegalArgumentException("--blob-url: unknown parameter " + name + " (known: endpoint, region, path-style)");
                    }
                    if (value.isEmpty()) throw new IllegalArgumentException("--blob-url: " + name + " needs a value");
                    params.put(name, value);
                }
            }
            URI endpoint = null;
            if (params.containsKey("endpoint")) {
                endpoint = URI.create(params.get("endpoint"));
                if (!"http".equals(endpoint.getScheme()) && !"https".equals(endpoint.getScheme()) || endpoint.getHost() == null) {
                    throw new IllegalArgumentException("--blob-url: endpoint must be http(s)://host[:port], got " + params.get("endpoint"));
                }
            }
            String pathStyle = params.getOrDefault("path-style", endpoint != null ? "true" : "false");
            if (!pathStyle.equals("true") && !pathStyle.equals("false")) {
                throw new IllegalArgumentException("--blob-url: path-style must be true or false, got " + pathStyle);
            }
            return new Location(uri.getHost(), uri.getPath(), endpoint, params.get("region"), Boolean.parseBoolean(pathStyle), null, 1000);
        }

        /** s3://bucket/prefix and the endpoint, for logs (never credentials). */
        public String describe() {
            return "s3://" + bucket + (prefix.isEmpty() ? "" : "/" + prefix) + (endpoint == null ? "" : " at " + endpoint);
        }

        S3Client client() {
            var b = S3Client.builder()
                    .httpClientBuilder(UrlConnectionHttpClient.builder())
                    .forcePathStyle(pathStyle)
                    .credentialsProvider(credentials != null ? credentials : DefaultCredentialsProvider.builder().build());
            if (endpoint != null) b.endpointOverride(endpoint);
            if (region != null) {
                b.region(Region.of(region));
            } else if (endpoint != null) {
                b.region(defaultRegionOr(Region.US_EAST_1));
            }
            return b.build();
        }

        private static Region defaultRegionOr(Region fallback) {
            try {
                return DefaultAwsRegionProviderChain.builder().build().getRegion();
            } catch (SdkException e) {
                return fallback;
            }
        }
    }

    /** The store for one area: keys under {@code <prefix>/<area>/}; checks that the bucket can be reached. */
    public S3BlobStore(Location location, String area) {
        this.bucket = location.bucket();
        this.prefix = (location.prefix().isEmpty() ? "" : location.prefix() + "/") + area + "/";
        this.pageSize = location.pageSize();
        S3Client client = null;
        try {
            client = location.client(); // fails without a region (AWS without region= and none configured)
            client.headBucket(r -> r.bucket(bucket));
        } catch (SdkException e) {
            if (client != null) client.close();
            throw new BlobStorage.Unavailable("cannot use S3 bucket " + location.describe() + ": " + message(e), e);
        }
        this.s3 = client;
    }

    @Override
    public String put(byte[] bytes) throws IOException {
        byte[] digest = Checksums.sha256().digest(bytes);
        String key = HexFormat.of().formatHex(digest);
        if (exists(key)) return key;
        try {
            // the server recomputes the sha256 and refuses the object if the bytes it got differ (x-amz-checksum-sha256;
            // naming the algorithm as well would make the SDK send it as a trailer, which some compatible servers skip)
            s3.putObject(r -> r.bucket(bucket).key(objectKey(key)).contentLength((long) bytes.length)
                            .contentType("application/octet-stream")
                            .checksumSHA256(Base64.getEncoder().encodeToString(digest)),
                    RequestBody.fromBytes(bytes));
        } catch (SdkException e) {
            throw failure("put", key, e);
        }
        return key;
    }

    @Override
    public InputStream open(String key) throws IOException {
        try {
            return s3.getObject(r -> r.bucket(bucket).key(objectKey(key)));
        } catch (NoSuchKeyException e) {
            return null;
        } catch (SdkException e) {
            throw failure("get", key, e);
        }
    }

    @Override
    public boolean exists(String key) throws IOException {
        return head(key) != null;
    }

    @Override
    public void delete(String key) throws IOException {
        try {
            s3.deleteObject(r -> r.bucket(bucket).key(objectKey(key)));
        } catch (SdkException e) {
            throw failure("delete", key, e);
        }
    }

    @Override
    public Set<String> keys() throws IOException {
        Set<String> keys = new HashSet<>();
        try {
            for (S3Object o : s3.listObjectsV2Paginator(r -> r.bucket(bucket).prefix(prefix).maxKeys(pageSize)).contents()) {
                String name = o.key().substring(prefix.length());
                if (KEY.matcher(name).matches()) keys.add(name);
            }
        } catch (SdkException e) {
            throw new IOException("S3 list of s3://" + bucket + "/" + prefix + " failed: " + message(e), e);
        }
        return keys;
    }

    @Override
    public Instant storedAt(String key) throws IOException {
        HeadObjectResponse head = head(key);
        return head == null ? null : head.lastModified();
    }

    private HeadObjectResponse head(String key) throws IOException {
        try {
            return s3.headObject(r -> r.bucket(bucket).key(objectKey(key)));
        } catch (NoSuchKeyException e) {
            return null;
        } catch (S3Exception e) {
            if (e.statusCode() == 404) return null;
            throw failure("head", key, e);
        } catch (SdkException e) {
            throw failure("head", key, e);
        }
    }

    private String objectKey(String key) {
        if (!KEY.matcher(key).matches()) throw new IllegalArgumentException("not a blob key: " + key);
        return prefix + key;
    }

    private IOException failure(String op, String key, SdkException e) {
        return new IOException("S3 " + op + " of s3://" + bucket + "/" + prefix + key + " failed: " + message(e), e);
    }

    private static String message(SdkException e) {
        return e instanceof S3Exception s3e && s3e.awsErrorDetails() != null && s3e.awsErrorDetails().errorMessage() != null
                ? s3e.awsErrorDetails().errorMessage() + " (HTTP " + s3e.statusCode() + ")"
                : e.getMessage();
    }
}
