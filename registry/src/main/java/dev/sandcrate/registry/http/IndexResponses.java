package dev.sandcrate.registry.http;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sandcrate.registry.crates.CrateService;
import io.javalin.http.Context;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Locale;

/** What a sparse index answers cargo; shared by the source index and the precompiled view. */
public final class IndexResponses {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** RFC 9110's IMF-fixdate, {@code Fri, 04 Dec 2026 09:05:00 GMT} (RFC_1123_DATE_TIME does not zero-pad the day). */
    private static final DateTimeFormatter IMF_FIXDATE = DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.ENGLISH)
            .withZone(ZoneOffset.UTC);

    private IndexResponses() {
    }

    public static String httpDate(long epochMillis) {
        return IMF_FIXDATE.format(Instant.ofEpochMilli(epochMillis));
    }

    /**
     * {@code config.json}'s content, for the sparse indexes and the git index: where downloads ({@code dl}) and the web
     * API ({@code api}) are, and whether reading needs a token.
     */
    public record ConfigJson(String dl, String api, @JsonProperty("auth-required") boolean authRequired) {}

    /** Answers {@code config.json} ({@link ConfigJson}). */
    public static void config(Context ctx, String dl, String api, boolean authRequired) {
        ctx.contentType("application/json");
        ctx.header("Cache-Control", "no-cache");
        try {
            ctx.result(JSON.writeValueAsBytes(new ConfigJson(dl, api, authRequired)));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A crate's index file with ETag and Last-Modified; 304 when the client's copy is current. */
    public static void indexFile(Context ctx, CrateService.IndexFileBody file) {
        String etag = file.etag();
        ctx.header("ETag", etag);
        ctx.header("Last-Modified", httpDate(file.lastModified()));
        ctx.header("Cache-Control", "no-cache");
        if (notModified(ctx, etag, file.lastModified())) {
            ctx.status(304);
            return;
        }
        ctx.contentType("text/plain; charset=utf-8");
        ctx.result(file.body());
    }

    private static boolean notModified(Context ctx, String etag, long lastModifiedMillis) {
        String ifNoneMatch = ctx.header("If-None-Match");
        if (ifNoneMatch != null) {
            for (String tag : ifNoneMatch.split(",")) {
                String t = tag.strip();
                if (t.startsWith("W/")) t = t.substring(2);
                if (t.equals(etag) || t.equals("*")) return true;
            }
            return false;
        }
        String ifModifiedSince = ctx.header("If-Modified-Since");
        if (ifModifiedSince == null) return false;
        try {
            long since = ZonedDateTime.parse(ifModifiedSince, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant().toEpochMilli();
            return lastModifiedMillis / 1000 <= since / 1000;
        } catch (DateTimeParseException e) {
            return false;
        }
    }
}
