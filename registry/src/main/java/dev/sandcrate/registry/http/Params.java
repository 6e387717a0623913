package dev.sandcrate.registry.http;

import dev.sandcrate.registry.RegistryException;
import io.javalin.http.Context;

/** Query parameters, checked: bad values are a 400 that names the parameter. */
public final class Params {
    private Params() {
    }

    /** An integer query parameter in {@code [min, max]}, or {@code dflt} when absent. */
    public static int intParam(Context ctx, String name, int dflt, int min, int max) {
        String v = ctx.queryParam(name);
        if (v == null || v.isBlank()) return dflt;
        try {
            int n = Integer.parseInt(v.strip());
            if (n < min || n > max) throw RegistryException.badRequest("`" + name + "` must be between " + min + " and " + max);
            return n;
        } catch (NumberFormatException e) {
            throw RegistryException.badRequest("`" + name + "` must be a number");
        }
    }
}
