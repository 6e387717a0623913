package dev.sandcrate.registry.precompile;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The job states keep the strings the database stores and the APIs and web UI show. */
class JobStateTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void labelsAreTheStoredAndWireStrings() throws Exception {
        assertEquals(List.of("ineligible", "queued", "running", "verified", "rejected", "failed", "denied"),
                Arrays.stream(JobState.values()).map(JobState::label).toList());
        assertEquals("ineligible, queued, running, verified, rejected, failed, denied", JobState.allLabels());
        for (JobState s : JobState.values()) {
            assertEquals(s, JobState.fromLabel(s.label()));
            assertEquals(s.label(), s.toString());
            assertEquals("\"" + s.label() + "\"", JSON.writeValueAsString(s));
            assertEquals(s, JSON.readValue("\"" + s.label() + "\"", JobState.class));
        }
        assertEquals("{\"state\":\"queued\"}", JSON.writeValueAsString(Map.of("state", JobState.QUEUED)));
        assertEquals(Optional.empty(), JobState.parse("QUEUED"));
        assertEquals(Optional.empty(), JobState.parse("bogus"));
        assertThrows(IllegalArgumentException.class, () -> JobState.fromLabel("bogus"));
    }

    @Test
    void onlyRejectedAndFailedJobsAreRetried() {
        for (JobState s : JobState.values()) {
            assertEquals(s == JobState.REJECTED || s == JobState.FAILED, s.retryable(), s.label());
            assertEquals(s == JobState.INELIGIBLE || s == JobState.DENIED, s.needsAllow(), s.label());
        }
    }
}
