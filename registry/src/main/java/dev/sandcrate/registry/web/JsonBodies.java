package dev.sandcrate.registry.web;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sandcrate.registry.RegistryException;
import dev.sandcrate.registry.auth.Scope;
import dev.sandcrate.registry.http.RequestBodies;
import io.javalin.http.Context;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/** Reading the UI's requests: the JSON object body and its fields, and numeric path parameters, with 400s that say what is wrong. */
final class JsonBodies {
    private JsonBodies() {}

    static long pathLong(Context ctx, String name) {
        try {
            return Long.parseLong(ctx.pathParam(name));
        } catch (NumberFormatException e) {
            throw RegistryException.badRequest("`" + name + "` must be a number");
        }
    }

    static JsonNode object(Context ctx) {
        JsonNode n = RequestBodies.json(ctx);
        if (n == null || !n.isObject()) throw RegistryException.badRequest("expected a JSON object");
        return n;
    }

    static String text(JsonNode body, String field) {
        JsonNode n = body.get(field);
        if (n == null || n.isNull()) return null;
        if (!n.isTextual()) throw RegistryException.badRequest("`" + field + "` must be a string");
        return n.asText();
    }

    static List<String> stringList(JsonNode body, String field) {
        JsonNode n = body.get(field);
        if (n == null || n.isNull()) return List.of();
        if (!n.isArray()) throw RegistryException.badRequest("`" + field + "` must be a list of strings");
        List<String> out = new ArrayList<>();
        for (JsonNode e : n) {
            if (!e.isTextual()) throw RegistryException.badRequest("`" + field + "` must be a list of strings");
            out.add(e.asText());
        }
        return out;
    }

    /** A list of scope labels ({@code publish-new}, ...), as a mutable set; empty when the field is absent. */
    static Set<Scope> scopes(JsonNode body, String field) {
        Set<Scope> scopes = EnumSet.noneOf(Scope.class);
        for (String label : stringList(body, field)) {
            try {
                scopes.add(Scope.parse(label));
            } catch (IllegalArgumentException e) {
                throw RegistryException.badRequest(e.getMessage());
            }
        }
        return scopes;
    }

    /** A list of crate patterns, stripped, blank ones dropped (their form is checked where they are stored). */
    static List<String> cratePatterns(JsonNode body, String field) {
        return stringList(body, field).stream().map(String::strip).filter(p -> !p.isEmpty()).toList();
    }
}
