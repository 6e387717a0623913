package dev.sandcrate.registry.db;

import org.flywaydb.core.Flyway;
import org.h2.jdbcx.JdbcConnectionPool;
import org.jdbi.v3.core.Jdbi;

import java.nio.file.Path;

/** The registry's database: an H2 file under the data dir (migrated by Flyway on open), accessed through Jdbi. */
public final class Database implements AutoCloseable {
    private final JdbcConnectionPool pool;
    private final Jdbi jdbi;

    private Database(JdbcConnectionPool pool) {
        this.pool = pool;
        Flyway.configure().dataSource(pool).locations("classpath:db/migration").load().migrate();
        this.jdbi = Jdbi.create(pool);
    }

    /**
     * Opens (creating if needed) {@code dataDir/db/sandcrate.mv.db}. AUTO_SERVER lets the admin commands
     * ({@code sandcrate user ...}, {@code sandcrate token ...}) work on the data dir while the server runs.
     */
    public static Database openH2(Path dataDir) {
        Path file = dataDir.toAbsolutePath().resolve("db").resolve("sandcrate");
        String url = "jdbc:h2:file:" + file + ";AUTO_SERVER=TRUE";
        return new Database(JdbcConnectionPool.create(url, "sa", ""));
    }

    public Jdbi jdbi() {
        return jdbi;
    }

    @Override
    public void close() {
        pool.dispose();
    }
}
