package dev.sandcrate.registry.http;

import dev.sandcrate.registry.db.Database;
import dev.sandcrate.registry.storage.BlobStore;
import io.javalin.Javalin;
import io.javalin.http.Context;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Probes for load balancers and orchestrators, unauthenticated even on an auth-required registry (they reveal
 * nothing but whether the process and its dependencies work): {@code GET /health} answers while the process serves
 * HTTP; {@code GET /ready} also checks the database, the blob stores and that the schema has every migration.
 */
public final class HealthRoutes {
    private final Database database;
    private final Map<String, BlobStore> blobStores;

    /** @param blobStores the stores to probe, by the name an error message gives them */
    public HealthRoutes(Database database, Map<String, BlobStore> blobStores) {
        this.database = database;
        this.blobStores = blobStores;
    }

    public void register(Javalin app) {
        app.get("/health", ctx -> ok(ctx));
        app.get("/ready", this::ready);
    }

    /** {@code GET /health}: the process answers. */
    record Alive(String status) {}

    private static final Alive ALIVE = new Alive("ok");

    private static void ok(Context ctx) {
        ctx.header("Cache-Control", "no-store");
        ctx.json(ALIVE);
    }

    private void ready(Context ctx) {
        List<String> problems = new ArrayList<>();
        try {
            database.jdbi().withHandle(h -> h.createQuery("SELECT 1").mapTo(Integer.class).one());
            List<String> pending = database.pendingMigrations();
            if (!pending.isEmpty()) problems.add("database migrations not applied: " + String.join(", ", pending));
        } catch (RuntimeException e) {
            problems.add("database unreachable: " + e.getMessage());
        }
        for (var store : blobStores.entrySet()) {
            try {
                store.getValue().checkReachable();
            } catch (Exception e) {
                problems.add("blob store (" + store.getKey() + ") unreachable: " + e.getMessage());
            }
        }
        if (problems.isEmpty()) {
            ok(ctx);
            return;
        }
        ctx.header("Cache-Control", "no-store");
        ctx.status(503).json(ApiJson.Errors.of(problems));
    }
}
