package dev.sandcrate.registry.view;

import io.javalin.json.JavalinJackson;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The precompiled view's answers keep the keys, order and left-out keys of the maps they replaced. */
class ViewJsonTest {
    private static final JavalinJackson JAVALIN = new JavalinJackson();

    private static String json(Object o) {
        return JAVALIN.toJsonString(o, o.getClass());
    }

    @Test
    void aVersionsViewStatusHasTheShimsFieldsOnlyWithAShimAndTheErrorOnlyOnFailure() {
        PrecompiledView.ShimInfo shim = new PrecompiledView.ShimInfo("serde_derive", "1.0.152", "cc", 42, List.of("default"), List.of("ab"));
        assertEquals("{\"state\":\"shim\",\"reason\":\"served\",\"cksum\":\"cc\",\"size\":42,\"feature_sets\":[\"default\"],\"artifacts\":[\"ab\"]}",
                json(new PrecompiledView.Status(PrecompiledView.Status.SHIM, "served", shim, null).toJson()));
        assertEquals("{\"state\":\"failed\",\"reason\":\"it fails\",\"error\":\"boom\"}",
                json(new PrecompiledView.Status(PrecompiledView.Status.FAILED, "it fails", null, "boom").toJson()));
        assertEquals("{\"state\":\"source\",\"reason\":null}",
                json(new PrecompiledView.Status(PrecompiledView.Status.SOURCE, null, null, null).toJson()));
    }

    @Test
    void theShimAndRuntimeAnswers() {
        assertEquals("{\"crate\":\"a\",\"version\":\"1.0.0\",\"cksum\":\"cc\",\"size\":1,\"feature_sets\":[\"default\"],\"artifacts\":[],"
                        + "\"dl\":\"http://r/precompiled/dl/a/1.0.0\"}",
                json(new ViewRoutes.ShimJson("a", "1.0.0", "cc", 1, List.of("default"), List.of(), "http://r/precompiled/dl/a/1.0.0")));
        assertEquals("{\"file\":\"rt.tar.gz\",\"url\":\"http://r/runtime/rt.tar.gz\",\"sha256\":\"ab\",\"size\":3,"
                        + "\"install\":\"curl -fsSL http://r/runtime/install.sh | sh\"}",
                json(new ViewRoutes.RuntimeJson("rt.tar.gz", "http://r/runtime/rt.tar.gz", "ab", 3, "curl -fsSL http://r/runtime/install.sh | sh")));
    }

    @Test
    void theWhyReportAsTheMapsWroteIt() {
        WhyReport.Result result = new WhyReport.Result(List.of(new WhyReport.Macro("serde_derive", "1.0.152", "source", "not verified")),
                List.of(new WhyReport.Requirer("serde_derive", "1.0.152", "syn", "proc macro from source")), List.of("mystery 0.1.0"));
        Map<String, Object> old = new LinkedHashMap<>();
        old.put("macros", List.of(ordered("name", "serde_derive", "version", "1.0.152", "state", "source", "reason", "not verified")));
        old.put("syn_required_by", List.of(ordered("name", "serde_derive", "version", "1.0.152", "requires", "syn", "why", "proc macro from source")));
        old.put("unknown", List.of("mystery 0.1.0"));
        old.put("text", result.text());
        assertEquals(json(old), json(result.toJson()));
    }

    private static Map<String, Object> ordered(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], kv[i + 1]);
        return m;
    }
}
