package dev.sandcrate.registry.http;

import dev.sandcrate.registry.RegistryException;
import dev.sandcrate.registry.auth.AsymmetricKeys;
import dev.sandcrate.registry.auth.CargoOperation;
import dev.sandcrate.registry.auth.Principal;
import dev.sandcrate.registry.auth.Scope;
import dev.sandcrate.registry.auth.Tokens;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Token checks for every API route class: cargo sends the token in the {@code Authorization} header, git clients (the
 * git index) send it as the password of HTTP Basic. On an auth-required registry a signed-in browser may also
 * <em>read</em> (GET/HEAD) with its web UI session, so the UI's pages can show precompile reports, logs and downloads;
 * changes always need a token. A 401 gets cargo's {@code WWW-Authenticate} header from the registry's exception
 * handler ({@link Routes}).
 */
public final class ApiAuth {
    private final Tokens tokens;
    private final boolean authRequired;
    private final Function<Context, Optional<Principal>> browserSession;
    /** Asymmetric tokens (RFC 3231): the registered keys and the index URL tokens must be signed for; null = not accepted. */
    private final AsymmetricKeys asymmetricKeys;
    private final Supplier<String> indexUrl;

    /** @param browserSession who the request's web UI session cookie belongs to, if any */
    public ApiAuth(Tokens tokens, boolean authRequired, Function<Context, Optional<Principal>> browserSession) {
        this(tokens, authRequired, browserSession, null, null);
    }

    /** Also accepts cargo's asymmetric tokens signed by keys in {@code asymmetricKeys} for the index at {@code indexUrl}. */
    public ApiAuth(Tokens tokens, boolean authRequired, Function<Context, Optional<Principal>> browserSession,
                   AsymmetricKeys asymmetricKeys, Supplier<String> indexUrl) {
        this.tokens = tokens;
        this.authRequired = authRequired;
        this.browserSession = browserSession;
        this.asymmetricKeys = asymmetricKeys;
        this.indexUrl = indexUrl;
    }

    /**
     * A token for one of cargo's changes: a registry token, or an asymmetric token signed for exactly this operation
     * (computed only for asymmetric tokens, e.g. the publish body's checksum).
     */
    public Principal requireToken(Context ctx, Supplier<CargoOperation> operation) {
        String token = token(ctx.header("Authorization"));
        if (AsymmetricKeys.isAsymmetric(token)) return asymmetric(token, operation.get());
        return requireToken(ctx);
    }

    private Principal asymmetric(String token, CargoOperation operation) {
        if (asymmetricKeys == null) throw RegistryException.unauthorized("this registry does not accept asymmetric tokens");
        return asymmetricKeys.authenticate(token, indexUrl.get(), operation, java.time.Instant.now());
    }

    public boolean authRequired() {
        return authRequired;
    }

    /** The caller, if it sent a valid token. */
    public Optional<Principal> principal(Context ctx) {
        String token = token(ctx.header("Authorization"));
        if (AsymmetricKeys.isAsymmetric(token)) return Optional.of(asymmetric(token, CargoOperation.READ));
        return tokens.authenticate(token);
    }

    /** The token in an Authorization header: as cargo sends it ({@code <token>}, {@code Bearer <token>}), or Basic's password with any user name. */
    private static String token(String header) {
        if (header == null || !header.regionMatches(true, 0, "Basic ", 0, 6)) return header;
        try {
            String userAndPassword = new String(Base64.getDecoder().decode(header.substring(6).strip()), StandardCharsets.UTF_8);
            int colon = userAndPassword.indexOf(':');
            return colon < 0 ? null : userAndPassword.substring(colon + 1);
        } catch (IllegalArgumentException e) {
            return null; // not base64: no token
        }
    }

    /** A token is needed; missing or invalid gives 401, as cargo expects. */
    public Principal requireToken(Context ctx) {
        String header = ctx.header("Authorization");
        if (header == null || header.isBlank()) {
            throw RegistryException.unauthorized("this action needs an API token; run `cargo login --registry <name>` with a token from your registry operator");
        }
        if (AsymmetricKeys.isAsymmetric(token(header))) {
            throw RegistryException.unauthorized("asymmetric tokens authorize only cargo's reads, publish, yank, unyank and owner changes; use a registry token here");
        }
        return principal(ctx).orElseThrow(() -> RegistryException.unauthorized("the API token is invalid, expired or revoked"));
    }

    /** In auth-required mode, reading needs a token with the read scope (or, for a GET without a token, a browser session). */
    public void requireRead(Context ctx) {
        requireRead(ctx, () -> CargoOperation.READ);
    }

    /** A read that cargo signs as {@code operation} with asymmetric tokens (`cargo owner --list` signs "owners"). */
    public void requireRead(Context ctx, Supplier<CargoOperation> operation) {
        if (!authRequired) return;
        Optional<Principal> browser = ctx.header("Authorization") == null && isRead(ctx) ? browserSession.apply(ctx) : Optional.empty();
        Principal who = browser.isPresent() ? browser.get() : requireToken(ctx, operation);
        if (!who.has(Scope.READ)) {
            throw RegistryException.forbidden("this " + (browser.isPresent() ? "session" : "token")
                    + " lacks the read scope this registry requires for reading");
        }
    }

    private static boolean isRead(Context ctx) {
        return ctx.method() == HandlerType.GET || ctx.method() == HandlerType.HEAD;
    }
}
