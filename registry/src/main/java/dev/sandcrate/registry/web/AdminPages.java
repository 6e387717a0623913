package dev.sandcrate.registry.web;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sandcrate.registry.RegistryException;
import dev.sandcrate.registry.auth.Passwords;
import dev.sandcrate.registry.auth.Principal;
import dev.sandcrate.registry.auth.Users;
import dev.sandcrate.registry.http.ApiJson;
import dev.sandcrate.registry.http.CrateJson;
import io.javalin.http.Context;

import java.util.List;
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
        List<PageJson.ListedUser> out = users.list().stream().map(u -> new PageJson.ListedUser(u.login(), u.admin(),
                CrateJson.time(u.createdAt()), withPassword.contains(u.id()))).toList();
        ctx.json(new PageJson.UserList(out));
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
        ctx.status(201).json(new PageJson.User(u.login(), u.admin()));
    }

    // who may administer precompilation is PrecompileAdmin's decision, the same as for the admin API
    void precompile(Context ctx) {
        ctx.json(precompile.admin(access.requireSession(ctx).principal()));
    }

    void setPolicy(Context ctx) {
        Principal who = access.requireSession(ctx).principal();
        JsonNode body = JsonBodies.object(ctx);
        ctx.json(new ApiJson.OkMessage(precompile.setPolicy(who, JsonBodies.text(body, "action"), JsonBodies.text(body, "crate"),
                JsonBodies.text(body, "version"), JsonBodies.text(body, "reason"))));
    }

    void clearPolicy(Context ctx) {
        precompile.clearPolicy(access.requireSession(ctx).principal(), ctx.queryParam("crate"), ctx.queryParam("version"));
        ctx.json(ApiJson.Ok.OK);
    }

    void retryJob(Context ctx) {
        Principal who = precompile.authorize(access.requireSession(ctx).principal()); // a non-admin learns nothing about the id
        precompile.retry(who, JsonBodies.pathLong(ctx, "id"));
        ctx.json(ApiJson.Ok.OK);
    }
}
