package dev.sandcrate.registry.cli;

import dev.sandcrate.registry.app.Services;
import dev.sandcrate.registry.auth.Users;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.Callable;

/** {@code sandcrate passwd LOGIN}: sets the password a user signs in to the web UI with. */
@Command(name = "passwd", mixinStandardHelpOptions = true,
        description = "Set a user's web UI password (asked on the terminal, or read as one line from stdin).")
public final class PasswdCommand implements Callable<Integer> {
    @Mixin
    DataDirOption data;
    @Parameters(paramLabel = "LOGIN", description = "The user whose password to set.")
    String login;

    @Override
    public Integer call() throws IOException {
        String password = readPassword();
        if (password == null) {
            System.err.println("sandcrate passwd: no password given");
            return 1;
        }
        try (Services services = data.openServices()) {
            Users.User u = services.users().find(login).orElse(null);
            if (u == null) {
                System.err.println("sandcrate passwd: no user '" + login + "'; create it with `sandcrate user add " + login + "`");
                return 1;
            }
            services.passwords().set(u.id(), password);
            System.out.println("password set for " + u.login());
            return 0;
        } catch (IllegalArgumentException e) {
            System.err.println("sandcrate passwd: " + e.getMessage());
            return 1;
        }
    }

    private static String readPassword() throws IOException {
        Console console = System.console();
        if (console != null && console.isTerminal()) {
            char[] first = console.readPassword("new password: ");
            char[] again = console.readPassword("again: ");
            if (first == null || again == null) return null;
            if (!Arrays.equals(first, again)) {
                System.err.println("sandcrate passwd: the passwords differ");
                return null;
            }
            return new String(first);
        }
        String line = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
        return line == null ? null : line.stripTrailing();
    }
}
