package dev.sandcrate.registry.auth;

import org.jdbi.v3.core.Jdbi;

import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/** Registry users (owners of crates). Accounts are created by the operator ({@code sandcrate user add}). */
public final class Users {
    private static final Pattern LOGIN = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
    private final Jdbi jdbi;

    public record User(long id, String login, boolean admin, long createdAt) {}

    public Users(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    public User add(String login, boolean admin) {
        if (!LOGIN.matcher(login).matches()) {
            throw new IllegalArgumentException("invalid login '" + login
                    + "': use 1-64 letters, digits, '_', '.', '-', starting with a letter or digit");
        }
        return jdbi.inTransaction(h -> {
            if (h.createQuery("SELECT COUNT(*) FROM users WHERE LOWER(login) = LOWER(:l)").bind("l", login)
                    .mapTo(Integer.class).one() > 0) {
                throw new IllegalArgumentException("user '" + login + "' already exists");
            }
            long now = System.currentTimeMillis();
            long id = h.createUpdate("INSERT INTO users (login, admin, created_at) VALUES (:l, :a, :t)")
                    .bind("l", login).bind("a", admin).bind("t", now)
                    .executeAndReturnGeneratedKeys("id").mapTo(Long.class).one();
            return new User(id, login, admin, now);
        });
    }

    public Optional<User> find(String login) {
        return jdbi.withHandle(h -> h.createQuery("SELECT id, login, admin, created_at FROM users WHERE LOWER(login) = LOWER(:l)")
                .bind("l", login)
                .map((rs, ctx) -> new User(rs.getLong(1), rs.getString(2), rs.getBoolean(3), rs.getLong(4)))
                .findOne());
    }

    public List<User> list() {
        return jdbi.withHandle(h -> h.createQuery("SELECT id, login, admin, created_at FROM users ORDER BY login")
                .map((rs, ctx) -> new User(rs.getLong(1), rs.getString(2), rs.getBoolean(3), rs.getLong(4)))
                .list());
    }
}
