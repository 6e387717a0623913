package dev.sandcrate.runtime.wire;

import java.util.Arrays;
import java.util.List;

/**
 * What a macro may see of the consumer's disk (wire version 3): the working directory and the files it asked for,
 * given by the consumer as explicit inputs of the expansion. {@code currentDir} is null when not asked for;
 * {@code files} are sorted by path, paths unique.
 */
public record FileInputs(String currentDir, List<FileInput> files) {

    public FileInputs {
        files = List.copyOf(files);
    }

    /** One path as the macro named it, and what the consumer gives for it. */
    public record FileInput(String path, FileEntry entry) {}

    public sealed interface FileEntry {
        /** Nothing there. */
        record Missing() implements FileEntry {}

        /** Not given to the macro, with the reason it sees. */
        record Denied(String reason) implements FileEntry {}

        /** A file (links followed): its canonical path, modification time (or null) and contents. */
        record File(String canonical, Modified modified, byte[] contents) implements FileEntry {
            @Override
            public boolean equals(Object o) {
                return o instanceof File f && f.canonical.equals(canonical) && java.util.Objects.equals(f.modified, modified)
                        && Arrays.equals(f.contents, contents);
            }

            @Override
            public int hashCode() {
                return (canonical.hashCode() * 31 + java.util.Objects.hashCode(modified)) * 31 + Arrays.hashCode(contents);
            }

            @Override
            public String toString() {
                return "File[" + canonical + ", " + contents.length + " bytes]";
            }
        }

        /** A directory: its canonical path, modification time (or null) and entries, sorted by name. */
        record Dir(String canonical, Modified modified, List<DirEntry> entries) implements FileEntry {
            public Dir {
                entries = List.copyOf(entries);
            }
        }
    }

    /** A modification time since the Unix epoch; {@code seconds} is unsigned. */
    public record Modified(long seconds, int nanos) {}

    public record DirEntry(String name, Kind kind) {}

    public enum Kind { FILE, DIR, OTHER }

    void encode(WireWriter w) {
        w.optString(currentDir);
        w.u32(files.size());
        for (FileInput file : files) {
            w.string(file.path());
            switch (file.entry()) {
                case FileEntry.Missing m -> w.u8(0);
                case FileEntry.Denied d -> {
                    w.u8(1);
                    w.string(d.reason());
                }
                case FileEntry.File f -> {
                    w.u8(2);
                    w.string(f.canonical());
                    encode(w, f.modified());
                    w.bytes(f.contents());
                }
                case FileEntry.Dir d -> {
                    w.u8(3);
                    w.string(d.canonical());
                    encode(w, d.modified());
                    w.u32(d.entries().size());
                    for (DirEntry e : d.entries()) {
                        w.string(e.name());
                        w.u8(e.kind().ordinal());
                    }
                }
            }
        }
    }

    private static void encode(WireWriter w, Modified m) {
        w.u32(m == null ? 0 : (int) m.seconds());
        w.u32(m == null ? 0 : (int) (m.seconds() >>> 32));
        w.u32(m == null ? -1 : m.nanos());
    }

    private static Modified modified(WireReader r) throws WireException {
        long low = Integer.toUnsignedLong(r.u32());
        long high = Integer.toUnsignedLong(r.u32());
        int nanos = r.u32();
        if (nanos == -1) {
            return null;
        }
        if (Integer.compareUnsigned(nanos, 1_000_000_000) >= 0) {
            throw r.errorBefore(4, Integer.toUnsignedString(nanos) + " nanoseconds is not below one second");
        }
        return new Modified(high << 32 | low, nanos);
    }

    static FileInputs decode(WireReader r) throws WireException {
        String currentDir = r.optString();
        int n = r.count(5);
        List<FileInput> files = new java.util.ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            String path = r.string();
            if (!files.isEmpty() && files.getLast().path().compareTo(path) >= 0) {
                throw r.errorBefore(4, "file input `" + path + "` is out of order or repeated");
            }
            int tag = r.u8();
            FileEntry entry = switch (tag) {
                case 0 -> new FileEntry.Missing();
                case 1 -> new FileEntry.Denied(r.string());
                case 2 -> new FileEntry.File(r.string(), modified(r), r.bytes());
                case 3 -> {
                    String canonical = r.string();
                    Modified modified = modified(r);
                    int count = r.count(5);
                    List<DirEntry> entries = new java.util.ArrayList<>(count);
                    for (int j = 0; j < count; j++) {
                        String name = r.string();
                        if (!entries.isEmpty() && entries.getLast().name().compareTo(name) >= 0) {
                            throw r.errorBefore(4, "directory entry `" + name + "` is out of order or repeated");
                        }
                        int kind = r.u8();
                        if (kind > 2) {
                            throw r.errorBefore(1, "unknown directory entry kind " + kind);
                        }
                        entries.add(new DirEntry(name, Kind.values()[kind]));
                    }
                    yield new FileEntry.Dir(canonical, modified, entries);
                }
                default -> throw r.errorBefore(1, "unknown file entry tag " + tag);
            };
            files.add(new FileInput(path, entry));
        }
        return new FileInputs(currentDir, files);
    }
}
