package dev.sandcrate.registry.web;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sandcrate.registry.RegistryException;
import dev.sandcrate.registry.http.RequestBodies;
import io.javalin.http.Context;

import java.util.ArrayList;
import java.util.List;

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
}
