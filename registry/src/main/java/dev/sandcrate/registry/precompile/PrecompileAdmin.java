package dev.sandcrate.registry.precompile;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.sandcrate.registry.RegistryException;
import dev.sandcrate.registry.auth.Principal;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Precompile administration, for the admin API ({@link PrecompileRoutes}, a token) and the web UI's admin page (a
 * session) alike: who may ({@link Principal#requireAdmin}: an admin user signed in with a password or an
 * unrestricted token), and what allow, deny, clearing a policy entry and retrying a job accept and answer. The front
 * ends only authenticate and hand over the principal, so the same principal gets the same answer from both.
 */
public final class PrecompileAdmin {
    private final PrecompileService service;

    PrecompileAdmin(PrecompileService service) {
        this.service = service;
    }

    /** The caller, if it may administer precompilation; a 403 saying why not otherwise. */
    public Principal authorize(Principal who) {
        return who.requireAdmin("change precompilation");
    }

    /**
     * One allow/deny entry: from the command line, or added by {@code by} at {@code at} through an admin front end, with
     * the {@code reason} given, if any.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record PolicyListing(String entry, String action, String source, String by, String at, String reason) {
    }

    /** The longest reason an allow or deny entry keeps (the column's size). */
    public static final int MAX_REASON = 2000;

    /**
     * The allow/deny entries: the command line's first, then those admins added, labelled {@code adminSource} (each
     * front end names itself: the web UI's page tells its own entries apart by it).
     */
    public List<PolicyListing> policy(Principal who, String adminSource) {
        authorize(who);
        var config = service.config().policy();
        List<PolicyListing> entries = new ArrayList<>();
        config.allow().forEach(e -> entries.add(new PolicyListing(e, "allow", "command line", null, null, null)));
        config.deny().forEach(e -> entries.add(new PolicyListing(e, "deny", "command line", null, null, null)));
        for (PrecompileStore.PolicyEntry e : service.store().policyEntries()) {
            entries.add(new PolicyListing(e.entry(), e.action(), adminSource, e.createdBy(), Instant.ofEpochMilli(e.createdAt()).toString(),
                    e.reason()));
        }
        return entries;
    }

    /**
     * Allows ({@code action} {@code allow}) or denies ({@code deny}) a crate, or one version of it; a blank version means
     * the whole crate. {@code reason} (optional) says why, for everyone who sees the entry or a version it denies (for
     * instance the call sites where a macro's shim expands differently from the native macro). Returns what was done,
     * for the admin to read.
     */
    public String setPolicy(Principal who, String action, String crate, String version, String reason) {
        Principal admin = authorize(who);
        String name = crateName(crate);
        String v = versionOrNull(version);
        String why = reasonOrNull(reason);
        String what = name + (v == null ? "" : " " + v);
        return switch (action == null ? "" : action) {
            case "deny" -> what + " denied; " + service.deny(name, v, admin.login(), why) + " job(s) stopped or withdrawn";
            case "allow" -> {
                service.allow(name, v, admin.login(), why);
                yield what + " allowed; it is analysed and planned again";
            }
            default -> throw RegistryException.badRequest("action must be allow or deny");
        };
    }

    /** Removes the allow/deny entry an admin added for a crate or version (404 when there is none). */
    public void clearPolicy(Principal who, String crate, String version) {
        authorize(who);
        String name = crateName(crate);
        String v = versionOrNull(version);
        if (!service.clearPolicy(name, v)) {
            throw RegistryException.notFound("no allow/deny entry for " + name + (v == null ? "" : "@" + v) + " was added by an admin");
        }
    }

    /**
     * Puts a rejected or failed job back in the queue with fresh attempts; a queued, running or verified one is
     * returned as it is. An ineligible or denied job is refused (409): an allow, not a retry, builds it.
     */
    public PrecompileStore.Job retry(Principal who, long id) {
        authorize(who);
        PrecompileStore.Job job = service.store().job(id).orElseThrow(() -> RegistryException.notFound("no precompile job " + id));
        if (job.state().needsAllow()) {
            List<String> reasons = job.checks() == null ? List.of() : job.checks().failures();
            throw RegistryException.conflict("job " + id + " is " + job.state() + (reasons.isEmpty() ? "" : ": " + String.join("; ", reasons))
                    + " (allow the crate " + job.crate() + " first if it should be built)");
        }
        return service.store().retry(id).orElseThrow(() -> RegistryException.notFound("no precompile job " + id));
    }

    private static String crateName(String crate) {
        if (crate == null || crate.isBlank()) throw RegistryException.badRequest("give a crate name");
        return crate.strip();
    }

    private static String reasonOrNull(String reason) {
        if (reason == null || reason.isBlank()) return null;
        String r = reason.strip();
        if (r.length() > MAX_REASON) {
            throw RegistryException.badRequest("the reason is " + r.length() + " characters long; at most " + MAX_REASON + " are kept");
        }
        if (r.chars().anyMatch(c -> c < 0x20 && c != '\n' && c != '\t')) {
            throw RegistryException.badRequest("the reason contains a control character; use plain text");
        }
        return r;
    }

    private static String versionOrNull(String version) {
        return version == null || version.isBlank() ? null : version.strip();
    }
}
