package dev.sandcrate.registry.web;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sandcrate.registry.RegistryException;
import dev.sandcrate.registry.auth.Passwords;
import dev.sandcrate.registry.auth.Principal;
import dev.sandcrate.registry.auth.Users;
import io.javalin.http.Context;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The admin page: users, and the precompile service's jobs and allow/deny entries. Every handler needs an admin. */
final class AdminPages {
    private final WebAccess access;
    private final Users users;
    private final Passwords passwords;
    private final PrecompileViews precompile;

    AdminPages(WebAccess access, Users users, Passwords passwords, PrecompileViews precompile) {
        this.access = access;
        this.users = users;
        this.passwords = passwords;
        this.precompile = precompile;
    }

    void users(Context ctx) {
        access.requireAdmin(ctx);
        Set<Long> withPassword = passwords.usersWithPassword();
        List<Map<String, Object>> out = new ArrayList<>();
        for (Users.User u : users.list()) {
            out.add(Map.of("login", u.login(), "admin", u.admin(), "created_at", Instant.ofEpochMilli(u.createdAt()).toString(),
                    "has_password", withPassword.contains(u.id())));
        }
        ctx.json(Map.of("users", out));
    }

    void addUser(Context ctx) {
        access.requireAdmin(ctx);
        JsonNode body = JsonBodies.object(ctx);
        String login = JsonBodies.text(body, "login");
        String password = JsonBodies.text(body, "password");
        boolean admin = body.path("admin").asBoolean(false);
        if (login == null) throw RegistryException.badRequest("give a login");
        if (password != null && !password.isEmpty()) {
            try {
                Passwords.checkAcceptable(password);
            } catch (IllegalArgumentException e) {
                throw RegistryException.badRequest(e.getMessage());
            }
        }
        Users.User u;
        try {
            u = users.add(login, admin);
        } catch (IllegalArgumentException e) {
            throw RegistryException.badRequest(e.getMessage());
        }
        // the password was checked above, so setting it cannot fail on its content
        if (password != null && !password.isEmpty()) passwords.set(u.id(), password);
        ctx.status(201).json(Map.of("login", u.login(), "admin", u.admin()));
    }

    // who may administer precompilation is PrecompileAdmin's decision, the same as for the admin API
    void precompile(Context ctx) {
        ctx.json(precompile.admin(access.requireSession(ctx).principal()));
    }

    void setPolicy(Context ctx) {
        Principal who = access.requireSession(ctx).principal();
        JsonNode body = JsonBodies.object(ctx);
        ctx.json(Map.of("ok", true, "msg", precompile.setPolicy(who, JsonBodies.text(body, "action"), JsonBodies.text(body, "crate"),
                JsonBodies.text(body, "version"))));
    }

    void clearPolicy(Context ctx) {
        precompile.clearPolicy(access.requireSession(ctx).principal(), ctx.queryParam("crate"), ctx.queryParam("version"));
        ctx.json(Map.of("ok", true));
    }

    void retryJob(Context ctx) {
        Principal who = precompile.authorize(access.requireSession(ctx).principal()); // a non-admin learns nothing about the id
        precompile.retry(who, JsonBodies.pathLong(ctx, "id"));
        ctx.json(Map.of("ok", true));
    }
}
