package dev.sandcrate.registry.web;

import dev.sandcrate.registry.RegistryException;
import dev.sandcrate.registry.auth.Principal;
import dev.sandcrate.registry.auth.Scope;
import dev.sandcrate.registry.auth.Sessions;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Who is asking, for every {@code /ui/api/} route: the session of the request's cookie, the read and admin rules, and
 * the CSRF check every change passes before its handler runs.
 */
final class WebAccess {
    private final Sessions sessions;
    private final boolean authRequired;
    private final Supplier<String> publicUrl;

    WebAccess(Sessions sessions, boolean authRequired, Supplier<String> publicUrl) {
        this.sessions = sessions;
        this.authRequired = authRequired;
        this.publicUrl = publicUrl;
    }

    boolean authRequired() {
        return authRequired;
    }

    String publicUrl() {
        return publicUrl.get();
    }

    Optional<Sessions.Session> currentSession(Context ctx) {
        return sessions.of(ctx, publicUrl.get());
    }

    Sessions.Session requireSession(Context ctx) {
        return currentSession(ctx).orElseThrow(() -> new RegistryException(401, "sign in first"));
    }

    /** Reading through the UI on an auth-required registry needs a session allowed to read. */
    void requireRead(Context ctx) {
        if (!authRequired) return;
        Sessions.Session s = requireSession(ctx);
        if (!s.principal().has(Scope.READ)) throw RegistryException.forbidden("this session's token lacks the read scope this registry requires");
    }

    /**
     * Changes must come from our own pages: JSON bodies (a cross-site form cannot send them without a CORS preflight,
     * which this server never grants), a same-origin Origin header when the browser sends one, and, once signed in,
     * the session's CSRF token echoed in a header. The cookie is also SameSite=Strict.
     */
    void checkCsrf(Context ctx) {
        HandlerType m = ctx.method();
        if (m == HandlerType.GET || m == HandlerType.HEAD || m == HandlerType.OPTIONS) return;
        String origin = ctx.header("Origin");
        if (origin != null && !origin.equals(originOf(publicUrl.get())) && !origin.equals(ctx.scheme() + "://" + ctx.host())) {
            throw RegistryException.forbidden("cross-origin request refused");
        }
        if (m == HandlerType.POST) {
            String type = ctx.contentType();
            if (type == null || !type.toLowerCase(Locale.ROOT).startsWith("application/json")) {
                throw RegistryException.badRequest("send a JSON body (Content-Type: application/json)");
            }
        }
        Optional<Sessions.Session> s = currentSession(ctx);
        if (s.isPresent()) {
            String sent = ctx.header(WebUi.CSRF_HEADER);
            if (sent == null || !MessageDigest.isEqual(sent.getBytes(StandardCharsets.UTF_8),
                    s.get().csrfToken().getBytes(StandardCharsets.UTF_8))) {
                throw RegistryException.forbidden("missing or wrong CSRF token; reload the page");
            }
        }
    }

    private static String originOf(String url) {
        URI u = URI.create(url);
        return u.getScheme() + "://" + u.getRawAuthority();
    }

    /** Admin pages need an admin signed in with a password or with an unrestricted token ({@link Principal#requireAdmin}). */
    Principal requireAdmin(Context ctx) {
        return requireSession(ctx).principal().requireAdmin("see or manage users");
    }
}
