package dev.sandcrate.registry.db;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** What operators may type as --database-url, and what it becomes. */
class DatabaseConfigTest {
    @Test
    void noUrlIsTheEmbeddedH2InTheDataDir() {
        DatabaseConfig c = DatabaseConfig.parse(null, null, null);
        assertTrue(c.embedded());
        assertSame(DatabaseConfig.EMBEDDED, DatabaseConfig.parse("  ", null, null));
        assertEquals("jdbc:h2:file:" + Path.of("/srv/data/db/sandcrate").toAbsolutePath() + ";AUTO_SERVER=TRUE", c.jdbcUrl(Path.of("/srv/data")));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DatabaseConfig.parse(null, "ops", null));
        assertTrue(e.getMessage().contains("needs --database-url"), e.getMessage());
    }

    @Test
    void jdbcUrlsAreKeptAndLibpqUrisBecomeJdbcWithTheirCredentials() {
        DatabaseConfig jdbc = DatabaseConfig.parse("jdbc:postgresql://db.example:5433/reg?sslmode=require", "ops", "pw");
        assertEquals("jdbc:postgresql://db.example:5433/reg?sslmode=require", jdbc.url());
        assertEquals("ops", jdbc.user());
        assertEquals("pw", jdbc.password());

        DatabaseConfig uri = DatabaseConfig.parse("postgresql://ops:p%40ss%3Aword@db.example/reg?sslmode=verify-full", null, null);
        assertEquals("jdbc:postgresql://db.example/reg?sslmode=verify-full", uri.url());
        assertEquals("ops", uri.user());
        assertEquals("p@ss:word", uri.password());
        assertFalse(uri.embedded());

        DatabaseConfig explicit = DatabaseConfig.parse("postgres://ops:inurl@[::1]:5432/reg", "admin", "given");
        assertEquals("jdbc:postgresql://[::1]:5432/reg", explicit.url());
        assertEquals("admin", explicit.user(), "--database-user wins over the URI's");
        assertEquals("given", explicit.password());
        assertNull(DatabaseConfig.parse("postgresql://db.example/reg", null, null).user());
    }

    @Test
    void otherDatabasesAndIncompleteUrisAreRefusedWithoutEchoingPasswords() {
        for (String bad : new String[]{"mysql://u:secret@db/x", "jdbc:h2:mem:x", "postgresql://u:secret@db.example", "postgresql:///reg"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DatabaseConfig.parse(bad, null, null), bad);
            assertTrue(e.getMessage().contains("--database-url"), e.getMessage());
            assertFalse(e.getMessage().contains("secret"), e.getMessage());
        }
        assertEquals("PostgreSQL jdbc:postgresql://h/db?user=u&password=***",
                DatabaseConfig.parse("jdbc:postgresql://h/db?user=u&password=hunter2", null, null).describe(Path.of(".")));
        assertFalse(DatabaseConfig.parse("postgresql://u:hunter2@h/db", null, null).toString().contains("hunter2"));
    }
}
