package dev.sandcrate.registry.cli;

import dev.sandcrate.registry.app.Services;
import dev.sandcrate.registry.auth.Scope;
import dev.sandcrate.registry.auth.Tokens;
import dev.sandcrate.registry.auth.Users;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;

@Command(name = "token", mixinStandardHelpOptions = true, description = "Manage API tokens (shown once, stored as hashes).",
        subcommands = {TokenCommand.Create.class, TokenCommand.ListTokens.class, TokenCommand.Revoke.class})
public final class TokenCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.err);
    }


    @Command(name = "create", mixinStandardHelpOptions = true,
            description = "Create a token for a user and print it (only this once).")
    static final class Create implements Callable<Integer> {
        @Mixin
        DataDirOption data;
        @Option(names = "--user", required = true, description = "The token's owner.")
        String user;
        @Option(names = "--name", defaultValue = "cargo", description = "What the token is for (default: ${DEFAULT-VALUE}).")
        String name;
        @Option(names = "--scopes", split = ",", paramLabel = "SCOPE",
                description = "Comma-separated: publish-new, publish-update, yank, change-owners, read (default: all).")
        List<String> scopes;
        @Option(names = "--crates", split = ",", paramLabel = "PATTERN",
                description = "Limit publish/yank/owner changes to these crates (`name` or `prefix*`).")
        List<String> crates;
        @Option(names = "--expires", paramLabel = "WHEN",
                description = "Expiry: a date (2027-01-31), an instant (2027-01-31T12:00:00Z) or a duration in days (90d).")
        String expires;

        @Override
        public Integer call() {
            try (Services services = data.openServices()) {
                Users.User u = services.users().find(user)
                        .orElseThrow(() -> new IllegalArgumentException("no user '" + user + "'; create it with `sandcrate user add " + user + "`"));
                Set<Scope> scopeSet = EnumSet.allOf(Scope.class);
                if (scopes != null) {
                    scopeSet = EnumSet.noneOf(Scope.class);
                    for (String s : scopes) scopeSet.add(Scope.parse(s));
                }
                Tokens.Created t = services.tokens().create(u.id(), name, scopeSet,
                        crates == null ? List.of() : crates, Tokens.requireFuture(parseExpiry(expires)));
                System.out.println(t.secret());
                System.err.println("token " + t.info().id() + " for " + u.login() + " (" + describe(t.info()) + "); it is not shown again");
                return 0;
            } catch (IllegalArgumentException e) {
                System.err.println("sandcrate token create: " + e.getMessage());
                return 1;
            }
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List a user's tokens (not their secrets).")
    static final class ListTokens implements Callable<Integer> {
        @Mixin
        DataDirOption data;
        @Option(names = "--user", required = true)
        String user;

        @Override
        public Integer call() {
            try (Services services = data.openServices()) {
                for (Tokens.TokenInfo t : services.tokens().list(user)) {
                    System.out.println(t.id() + "\t" + t.name() + "\t" + describe(t) + (t.revoked() ? "\tREVOKED" : ""));
                }
                return 0;
            }
        }
    }

    @Command(name = "revoke", mixinStandardHelpOptions = true, description = "Revoke a token by id.")
    static final class Revoke implements Callable<Integer> {
        @Mixin
        DataDirOption data;
        @Parameters(paramLabel = "ID")
        long id;

        @Override
        public Integer call() {
            try (Services services = data.openServices()) {
                if (!services.tokens().revoke(id)) {
                    System.err.println("sandcrate token revoke: no token with id " + id);
                    return 1;
                }
                System.out.println("revoked token " + id);
                return 0;
            }
        }
    }

    static String describe(Tokens.TokenInfo t) {
        List<String> parts = new ArrayList<>();
        parts.add("scopes " + String.join(",", t.scopes().stream().map(Scope::label).toList()));
        if (!t.cratePatterns().isEmpty()) parts.add("crates " + String.join(",", t.cratePatterns()));
        parts.add(t.expiresAt() == null ? "no expiry" : "expires " + Instant.ofEpochMilli(t.expiresAt()));
        return String.join("; ", parts);
    }

    static Instant parseExpiry(String s) {
        if (s == null) return null;
        try {
            if (s.matches("\\d+d")) return Instant.now().plus(Duration.ofDays(Long.parseLong(s.substring(0, s.length() - 1))));
            if (s.contains("T")) return Instant.parse(s);
            return LocalDate.parse(s).atStartOfDay(ZoneOffset.UTC).toInstant();
        } catch (DateTimeParseException | NumberFormatException e) {
            throw new IllegalArgumentException("invalid --expires '" + s + "': use 2027-01-31, 2027-01-31T12:00:00Z or 90d");
        }
    }
}
