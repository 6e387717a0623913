package dev.sandcrate.registry.http;

import dev.sandcrate.registry.crates.CrateService;
import io.javalin.json.JavalinJackson;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** cargo reads these answers: their exact bytes, so a change to a record shows here first. */
class ApiJsonTest {
    private static final JavalinJackson JAVALIN = new JavalinJackson();

    private static String json(Object o) {
        return JAVALIN.toJsonString(o, o.getClass());
    }

    @Test
    void cargosAnswers() {
        assertEquals("{\"warnings\":{\"invalid_categories\":[],\"invalid_badges\":[],\"other\":[]}}", json(CrateJson.PublishAnswer.NO_WARNINGS));
        assertEquals("{\"users\":[{\"id\":1,\"login\":\"alice\",\"name\":null}]}",
                json(new CrateJson.OwnerList(List.of(new CrateJson.OwnerList.User(1, "alice", null)))));
        assertEquals("{\"crates\":[{\"name\":\"itoa\",\"max_version\":\"1.0.0\",\"description\":null,\"downloads\":2}],\"meta\":{\"total\":1}}",
                json(new CrateJson.SearchAnswer(List.of(new CrateService.SearchHit("itoa", "1.0.0", null, 2)), new CrateJson.SearchAnswer.Meta(1))));
        assertEquals("{\"crate\":{\"name\":\"itoa\",\"description\":\"d\",\"downloads\":2,\"max_version\":\"1.0.0\"},"
                        + "\"versions\":[{\"num\":\"1.0.0\",\"cksum\":\"cc\",\"yanked\":false,\"created_at\":\"1970-01-01T00:00:00Z\","
                        + "\"downloads\":2,\"dl_path\":\"/api/v1/crates/itoa/1.0.0/download\"}]}",
                json(new CrateJson.CrateInfo(new CrateJson.Crate("itoa", "d", 2, "1.0.0"),
                        List.of(new CrateJson.Version("1.0.0", "cc", false, CrateJson.time(0), 2, CrateJson.downloadPath("itoa", "1.0.0"))))));
        assertEquals("{\"ok\":true}", json(ApiJson.Ok.OK));
        assertEquals("{\"ok\":true,\"msg\":\"user bob has been added\"}", json(new ApiJson.OkMessage("user bob has been added")));
    }

    @Test
    void health() {
        assertEquals("{\"status\":\"ok\"}", json(new HealthRoutes.Alive("ok")));
    }
}
