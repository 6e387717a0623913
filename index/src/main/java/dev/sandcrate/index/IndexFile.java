package dev.sandcrate.index;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Renders and parses index files: one compact JSON object per line, one line per version. */
public final class IndexFile {
    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private IndexFile() {}

    public static String line(IndexEntry entry) {
        try {
            return JSON.writeValueAsString(entry);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot render index entry " + entry.name() + " " + entry.vers(), e);
        }
    }

    public static IndexEntry parseLine(String line) {
        try {
            return JSON.readValue(line, IndexEntry.class);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not an index line: " + e.getOriginalMessage(), e);
        }
    }

    /** The file body for the given versions (in publication order), each line ending with '\n'. */
    public static byte[] render(List<IndexEntry> entries) {
        StringBuilder out = new StringBuilder();
        for (IndexEntry e : entries) out.append(line(e)).append('\n');
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }

    public static List<IndexEntry> parse(String body) {
        List<IndexEntry> entries = new ArrayList<>();
        for (String line : body.split("\n")) {
            if (!line.isBlank()) entries.add(parseLine(line));
        }
        return entries;
    }
}
