package dev.sandcrate.registry.db;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import org.flywaydb.core.Flyway;
import org.h2.jdbcx.JdbcConnectionPool;
import org.jdbi.v3.core.Jdbi;

import javax.sql.DataSource;
import java.nio.file.Path;

/**
 * The registry's database, migrated by Flyway on open (the same migrations on H2 and PostgreSQL) and accessed through
 * Jdbi: the embedded H2 file under the data dir, or a shared PostgreSQL server ({@link DatabaseConfig}).
 */
public final class Database implements AutoCloseable {
    private final Runnable closePool;
    private final Jdbi jdbi;
    private final Flyway flyway;

    private Database(DataSource pool, Runnable closePool) {
        this.closePool = closePool;
        try {
            // on PostgreSQL Flyway holds an advisory lock while migrating, so processes starting together migrate once
            this.flyway = Flyway.configure().dataSource(pool).locations("classpath:db/migration").load();
            flyway.migrate();
        } catch (RuntimeException e) {
            closePool.run();
            throw e;
        }
        this.jdbi = Jdbi.create(pool);
    }

    /**
     * Opens (creating if needed) the database {@code config} names: {@code dataDir/db/sandcrate.mv.db} for the
     * embedded H2, else the PostgreSQL server. Throws {@link Unavailable} when the server cannot be reached.
     */
    public static Database open(Path dataDir, DatabaseConfig config) {
        if (config.embedded()) {
            JdbcConnectionPool h2 = JdbcConnectionPool.create(config.jdbcUrl(dataDir), "sa", "");
            return new Database(h2, h2::dispose);
        }
        HikariConfig hc = new HikariConfig();
        hc.setJdbcUrl(config.url());
        if (config.user() != null) hc.setUsername(config.user());
        if (config.password() != null) hc.setPassword(config.password());
        hc.setPoolName("sandcrate-db");
        hc.setMaximumPoolSize(10);
        hc.setConnectionTimeout(10_000);
        HikariDataSource ds;
        try {
            ds = new HikariDataSource(hc);
        } catch (RuntimeException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new Unavailable("cannot connect to " + config.describe(dataDir) + ": " + cause.getMessage(), e);
        }
        return new Database(ds, ds::close);
    }

    /** The database server could not be reached or refused the login. */
    public static final class Unavailable extends RuntimeException {
        Unavailable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** Whether a statement failed on a unique constraint (SQLSTATE 23505 on H2 and PostgreSQL alike). */
    public static boolean isUniqueViolation(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.sql.SQLException sql && "23505".equals(sql.getSQLState())) return true;
        }
        return false;
    }

    /** Ids per {@code IN (<ids>)}: well under every database's bind-parameter limit. */
    private static final int IDS_PER_QUERY = 500;

    /** {@code ids} sorted, without duplicates, in lists short enough to bind as one {@code IN (<ids>)}. */
    public static java.util.List<java.util.List<Long>> idChunks(java.util.Collection<Long> ids) {
        java.util.List<Long> sorted = ids.stream().distinct().sorted().toList();
        java.util.List<java.util.List<Long>> chunks = new java.util.ArrayList<>();
        for (int from = 0; from < sorted.size(); from += IDS_PER_QUERY) {
            chunks.add(sorted.subList(from, Math.min(sorted.size(), from + IDS_PER_QUERY)));
        }
        return chunks;
    }

    /**
     * The migrations this build has that the database has not applied (empty when the schema is current); queries the
     * database. A missing one older than the newest applied counts too (Flyway calls it "ignored").
     */
    public java.util.List<String> pendingMigrations() {
        return java.util.Arrays.stream(flyway.info().all())
                .filter(m -> m.getState().isResolved() && !m.getState().isApplied())
                .map(m -> m.getVersion() + " " + m.getDescription()).toList();
    }

    public Jdbi jdbi() {
        return jdbi;
    }

    @Override
    public void close() {
        closePool.run();
    }
}
