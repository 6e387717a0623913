package dev.sandcrate.registry.cli;

import dev.sandcrate.registry.app.Services;
import dev.sandcrate.registry.auth.AsymmetricKeys;
import dev.sandcrate.registry.auth.Scope;
import dev.sandcrate.registry.auth.Users;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;

/** PASERK k3.public keys for cargo's asymmetric tokens ({@code cargo +nightly -Zasymmetric-token login} prints one). */
@Command(name = "key", mixinStandardHelpOptions = true,
        description = "Manage users' public keys for cargo's asymmetric tokens (-Zasymmetric-token, cargo:paseto).",
        subcommands = {KeyCommand.Add.class, KeyCommand.ListKeys.class, KeyCommand.Revoke.class})
public final class KeyCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.err);
    }

    @Command(name = "add", mixinStandardHelpOptions = true, description = "Register a k3.public key for a user and print its key id (k3.pid).")
    static final class Add implements Callable<Integer> {
        @Mixin
        DataDirOption data;
        @Option(names = "--user", required = true, description = "The key's owner.")
        String user;
        @Option(names = "--name", defaultValue = "cargo", description = "What the key is for (default: ${DEFAULT-VALUE}).")
        String name;
        @Option(names = "--scopes", split = ",", paramLabel = "SCOPE",
                description = "Comma-separated: publish-new, publish-update, yank, change-owners, read (default: all).")
        List<String> scopes;
        @Option(names = "--crates", split = ",", paramLabel = "PATTERN",
                description = "Limit publish/yank/owner changes to these crates (`name` or `prefix*`).")
        List<String> crates;
        @Parameters(paramLabel = "PUBLIC_KEY", description = "The PASERK public key, k3.public.<...>.")
        String publicKey;

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
                AsymmetricKeys.KeyInfo k = services.keys().register(u.id(), name, publicKey, scopeSet,
                        crates == null ? List.of() : crates);
                System.out.println(k.keyId());
                System.err.println("key " + k.id() + " for " + u.login() + " (" + describe(k) + ")");
                return 0;
            } catch (IllegalArgumentException e) {
                System.err.println("sandcrate key add: " + e.getMessage());
                return 1;
            }
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List a user's public keys.")
    static final class ListKeys implements Callable<Integer> {
        @Mixin
        DataDirOption data;
        @Option(names = "--user", required = true)
        String user;

        @Override
        public Integer call() {
            try (Services services = data.openServices()) {
                for (AsymmetricKeys.KeyInfo k : services.keys().list(user)) {
                    System.out.println(k.id() + "\t" + k.name() + "\t" + k.keyId() + "\t" + describe(k) + (k.revoked() ? "\tREVOKED" : ""));
                }
                return 0;
            }
        }
    }

    @Command(name = "revoke", mixinStandardHelpOptions = true, description = "Revoke a public key by id.")
    static final class Revoke implements Callable<Integer> {
        @Mixin
        DataDirOption data;
        @Parameters(paramLabel = "ID")
        long id;

        @Override
        public Integer call() {
            try (Services services = data.openServices()) {
                if (!services.keys().revoke(id)) {
                    System.err.println("sandcrate key revoke: no key with id " + id);
                    return 1;
                }
                System.out.println("revoked key " + id);
                return 0;
            }
        }
    }

    private static String describe(AsymmetricKeys.KeyInfo k) {
        return "scopes " + String.join(",", k.scopes().stream().sorted().map(Scope::label).toList())
                + (k.cratePatterns().isEmpty() ? "" : "; crates " + String.join(",", k.cratePatterns()));
    }
}
