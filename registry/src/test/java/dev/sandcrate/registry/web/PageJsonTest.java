package dev.sandcrate.registry.web;

import io.javalin.json.JavalinJackson;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The session answer, which every page reads first, keeps the bytes of the map it replaced (built here as it was). */
class PageJsonTest {
    private static final JavalinJackson JAVALIN = new JavalinJackson();

    private static String json(Object o) {
        return JAVALIN.toJsonString(o, o.getClass());
    }

    @Test
    void signedOutTheSessionHasNoUserAndNoToken() {
        Map<String, Object> old = new LinkedHashMap<>();
        old.put("auth_required", true);
        old.put("url", "http://r");
        old.put("user", null);
        assertEquals(json(old), json(new PageJson.Session(true, "http://r", null, null, null, null, null)));
    }

    @Test
    void signedInTheSessionCarriesTheUserCsrfTokenAndScopes() {
        Map<String, Object> old = new LinkedHashMap<>();
        old.put("auth_required", false);
        old.put("url", "http://r");
        Map<String, Object> user = new LinkedHashMap<>();
        user.put("login", "alice");
        user.put("admin", true);
        old.put("user", user);
        old.put("csrf_token", "c");
        old.put("via_token", false);
        old.put("scopes", List.of("publish-new", "yank"));
        old.put("crates", List.of());
        assertEquals(json(old), json(new PageJson.Session(false, "http://r", new PageJson.SessionUser("alice", true), "c", false,
                List.of("publish-new", "yank"), List.of())));
    }
}
