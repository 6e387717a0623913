package dev.sandcrate.registry.db;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Which database holds a registry's rows: the embedded H2 file under the data dir ({@link #EMBEDDED}, the default), or
 * a PostgreSQL server that several registry and worker processes share. {@link Database#open} is the one place that
 * opens either.
 *
 * @param url      a JDBC URL {@code jdbc:postgresql://host[:port]/db[?...]}, or null for the embedded H2 database
 * @param user     the user to connect as, or null (then the URL's {@code user=} parameter or the driver's default)
 * @param password its password, or null (then the URL's {@code password=} parameter or {@code ~/.pgpass})
 */
public record DatabaseConfig(String url, String user, String password) {
    public static final DatabaseConfig EMBEDDED = new DatabaseConfig(null, null, null);

    public DatabaseConfig {
        if (url != null && !url.startsWith("jdbc:postgresql:")) {
            throw new IllegalArgumentException("not a PostgreSQL JDBC URL: " + redact(url));
        }
    }

    /**
     * From what an operator typed: a JDBC URL ({@code jdbc:postgresql://db.example:5432/sandcrate?sslmode=require}) or
     * a libpq URI ({@code postgresql://user:secret@db.example/sandcrate}, also {@code postgres://}), whose user and
     * password become {@code user}/{@code password} unless those are given. A null or blank URL is the embedded H2.
     */
    public static DatabaseConfig parse(String url, String user, String password) {
        if (url == null || url.isBlank()) {
            if (user != null || password != null) {
                throw new IllegalArgumentException("a database user or password needs --database-url (the embedded H2 database has none)");
            }
            return EMBEDDED;
        }
        url = url.strip();
        if (url.startsWith("jdbc:")) {
            if (!url.startsWith("jdbc:postgresql://")) {
                throw new IllegalArgumentException("--database-url must be PostgreSQL (jdbc:postgresql://host[:port]/database or"
                        + " postgresql://user@host/database), got " + redact(url));
            }
            return new DatabaseConfig(url, user, password);
        }
        if (!url.startsWith("postgresql://") && !url.startsWith("postgres://")) {
            throw new IllegalArgumentException("--database-url must be PostgreSQL (jdbc:postgresql://host[:port]/database or"
                    + " postgresql://user@host/database), got " + redact(url));
        }
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("invalid --database-url " + redact(url) + ": " + e.getReason());
        }
        if (uri.getHost() == null || uri.getRawPath() == null || uri.getRawPath().length() < 2) {
            throw new IllegalArgumentException("--database-url needs a host and a database: postgresql://[user[:password]@]host[:port]/database, got " + redact(url));
        }
        String info = uri.getRawUserInfo();
        if (info != null) {
            int colon = info.indexOf(':');
            String u = decode(colon < 0 ? info : info.substring(0, colon));
            String p = colon < 0 ? null : decode(info.substring(colon + 1));
            if (user == null && !u.isEmpty()) user = u;
            if (password == null) password = p;
        }
        String jdbc = "jdbc:postgresql://" + uri.getRawAuthority().substring(info == null ? 0 : info.length() + 1) + uri.getRawPath()
                + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
        return new DatabaseConfig(jdbc, user, password);
    }

    public boolean embedded() {
        return url == null;
    }

    /** The JDBC URL of the H2 file under {@code dataDir}, or the server's. */
    public String jdbcUrl(Path dataDir) {
        if (!embedded()) return url;
        // AUTO_SERVER lets the admin commands (user, token, import...) work on the data dir while `serve` runs
        return "jdbc:h2:file:" + dataDir.toAbsolutePath().resolve("db").resolve("sandcrate") + ";AUTO_SERVER=TRUE";
    }

    /** For messages and logs: where the rows live, without credentials. */
    public String describe(Path dataDir) {
        return embedded() ? "H2 " + dataDir.toAbsolutePath().normalize().resolve("db") : "PostgreSQL " + redact(url);
    }

    @Override
    public String toString() {
        return embedded() ? "DatabaseConfig[embedded H2]" : "DatabaseConfig[" + redact(url) + ", user=" + user + "]";
    }

    /** The URL without a password (in the user info or a {@code password=} parameter). */
    static String redact(String url) {
        return url.replaceAll("//([^/@:]*):[^/@]*@", "//$1:***@").replaceAll("(?i)([?&]password=)[^&]*", "$1***");
    }

    private static String decode(String s) {
        return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }
}
