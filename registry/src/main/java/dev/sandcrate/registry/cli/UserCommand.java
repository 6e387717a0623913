package dev.sandcrate.registry.cli;

import dev.sandcrate.registry.app.Services;
import dev.sandcrate.registry.auth.Users;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.concurrent.Callable;

@Command(name = "user", mixinStandardHelpOptions = true, description = "Manage registry users (crate owners).",
        subcommands = {UserCommand.Add.class, UserCommand.ListUsers.class})
public final class UserCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.err);
    }


    @Command(name = "add", mixinStandardHelpOptions = true, description = "Create a user.")
    static final class Add implements Callable<Integer> {
        @Mixin
        DataDirOption data;
        @Parameters(paramLabel = "LOGIN", description = "The user's login (what `cargo owner --add` takes).")
        String login;
        @Option(names = "--admin", description = "May yank and change owners of every crate.")
        boolean admin;

        @Override
        public Integer call() {
            try (Services services = data.openServices()) {
                Users.User u = services.users().add(login, admin);
                System.out.println("created user " + u.login() + (u.admin() ? " (admin)" : ""));
                return 0;
            } catch (IllegalArgumentException e) {
                System.err.println("sandcrate user add: " + e.getMessage());
                return 1;
            }
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List users.")
    static final class ListUsers implements Callable<Integer> {
        @Mixin
        DataDirOption data;

        @Override
        public Integer call() {
            try (Services services = data.openServices()) {
                for (Users.User u : services.users().list()) {
                    System.out.println(u.login() + (u.admin() ? " (admin)" : ""));
                }
                return 0;
            }
        }
    }
}
