package dev.sandcrate.registry.web;

import dev.sandcrate.index.crate.CrateArchive;
import dev.sandcrate.index.crate.CrateLimits;
import dev.sandcrate.index.crate.CrateManifest;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.commonmark.ext.gfm.tables.TablesExtension;
import org.commonmark.node.HtmlBlock;
import org.commonmark.node.HtmlInline;
import org.commonmark.node.Image;
import org.commonmark.node.Link;
import org.commonmark.node.Node;
import org.commonmark.node.Text;
import org.commonmark.parser.Parser;
import org.commonmark.renderer.NodeRenderer;
import org.commonmark.renderer.html.HtmlNodeRendererContext;
import org.commonmark.renderer.html.HtmlRenderer;
import org.commonmark.renderer.html.HtmlWriter;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What a crate page shows from inside a published .crate: the packaged manifest's metadata and the readme. Raw HTML
 * in a readme is escaped, link targets other than http(s), mailto, relative and fragment links are dropped (the
 * link's text stays), and images become links (the UI loads nothing from other hosts). Rendering markdown is
 * {@link #render}, which only {@link ReadmeRenderProcess} calls, in a separate JVM with a time budget
 * ({@link Readmes} stores the result once per version). A .crate never changes, so metadata is cached by checksum.
 */
public final class CrateDocs {
    static final int MAX_README_BYTES = 512 * 1024;
    private static final int CACHE_ENTRIES = 256;
    private static final Pattern SAFE_URL = Pattern.compile("(?i)^(https?:|mailto:|#|/|\\./|\\.\\./|[^:/?#]+(/|$|[?#])).*");
    private static final List<org.commonmark.Extension> EXTENSIONS = List.of(TablesExtension.create());
    private static final Parser PARSER = Parser.builder().extensions(EXTENSIONS).build();
    private static final HtmlRenderer RENDERER = HtmlRenderer.builder().extensions(EXTENSIONS)
            .escapeHtml(true).sanitizeUrls(true)
            .attributeProviderFactory(ctx -> (node, tag, attrs) -> {
                if (!tag.equals("a")) return;
                attrs.put("rel", "nofollow noopener noreferrer");
                // commonmark's own sanitiser lets data: through; a link to anything but a safe target loses its href
                if (node instanceof Link link && !isSafeUrl(link.getDestination())) attrs.remove("href");
            })
            .nodeRendererFactory(ImageAsLink::new)
            .nodeRendererFactory(EscapedHtml::new)
            .build();

    /** The manifest and the readme's path in the crate (null when it has none). */
    public record Doc(CrateManifest manifest, String root, String readmePath) {}

    private final Map<String, Doc> cache = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Doc> eldest) {
            return size() > CACHE_ENTRIES;
        }
    };

    public Doc of(String cksum, byte[] crateBytes) {
        synchronized (cache) {
            Doc cached = cache.get(cksum);
            if (cached != null) return cached;
        }
        Doc doc = read(crateBytes);
        synchronized (cache) {
            cache.put(cksum, doc);
        }
        return doc;
    }

    static Doc read(byte[] crateBytes) {
        var contents = CrateArchive.read(crateBytes, CrateLimits.DEFAULT);
        String readmePath = readmePath(contents.manifest().readme(), contents.entries().stream().map(e -> e.path()).toList());
        return new Doc(contents.manifest(), contents.root(), readmePath);
    }

    /** The readme's text (cut at {@link #MAX_README_BYTES}), or null when the crate has none. */
    static String readmeText(Doc doc, byte[] crateBytes) throws IOException {
        return doc.readmePath() == null ? null : readEntry(crateBytes, doc.root() + "/" + doc.readmePath());
    }

    static boolean isSafeUrl(String url) {
        return url != null && SAFE_URL.matcher(url).matches();
    }

    /** The readme the manifest names, else the first of README.md, README, readme.md that exists. */
    static String readmePath(String declared, List<String> paths) {
        if (declared != null) {
            String p = declared.replace('\\', '/');
            while (p.startsWith("./")) p = p.substring(2);
            return paths.contains(p) ? p : null;
        }
        for (String candidate : List.of("README.md", "README", "readme.md", "Readme.md", "README.markdown", "README.txt")) {
            if (paths.contains(candidate)) return candidate;
        }
        return null;
    }

    /** Markdown for .md/.markdown (and no extension, as crates.io does); anything else as preformatted text. */
    static String render(String path, String text) {
        String lower = path.toLowerCase(Locale.ROOT);
        String file = lower.substring(lower.lastIndexOf('/') + 1);
        if (lower.endsWith(".md") || lower.endsWith(".markdown") || !file.contains(".")) {
            return RENDERER.render(PARSER.parse(text));
        }
        return plain(text);
    }

    /** The readme as escaped preformatted text: for non-markdown readmes and when rendering failed. */
    static String plain(String text) {
        return "<pre>" + escape(text) + "</pre>";
    }

    private static String readEntry(byte[] crateBytes, String fullPath) throws IOException {
        try (var tar = new TarArchiveInputStream(new GzipCompressorInputStream(new ByteArrayInputStream(crateBytes)))) {
            TarArchiveEntry e;
            while ((e = tar.getNextEntry()) != null) {
                if (!e.isFile() || !e.getName().equals(fullPath)) continue;
                byte[] bytes = tar.readNBytes(MAX_README_BYTES);
                String text = new String(bytes, StandardCharsets.UTF_8);
                if (e.getSize() > MAX_README_BYTES) text += "\n\n(readme cut at " + (MAX_README_BYTES / 1024) + " KiB)";
                return text;
            }
        }
        return null;
    }

    static String escape(String s) {
        StringBuilder out = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '&' -> out.append("&amp;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    /** Raw HTML shows as text (as with escapeHtml), except comments, which readmes use for notes to their editors. */
    private static final class EscapedHtml implements NodeRenderer {
        private final HtmlWriter html;

        EscapedHtml(HtmlNodeRendererContext context) {
            this.html = context.getWriter();
        }

        @Override
        public Set<Class<? extends Node>> getNodeTypes() {
            return Set.of(HtmlBlock.class, HtmlInline.class);
        }

        @Override
        public void render(Node node) {
            String literal = node instanceof HtmlBlock b ? b.getLiteral() : ((HtmlInline) node).getLiteral();
            if (literal.strip().startsWith("<!--")) return;
            if (node instanceof HtmlBlock) {
                html.line();
                html.tag("p");
                html.text(literal);
                html.tag("/p");
                html.line();
            } else {
                html.text(literal);
            }
        }
    }

    /** Renders {@code ![alt](url)} as a link to the image, so pages never load images from other hosts. */
    private static final class ImageAsLink implements NodeRenderer {
        private final HtmlNodeRendererContext context;
        private final HtmlWriter html;

        ImageAsLink(HtmlNodeRendererContext context) {
            this.context = context;
            this.html = context.getWriter();
        }

        @Override
        public Set<Class<? extends Node>> getNodeTypes() {
            return Set.of(Image.class);
        }

        @Override
        public void render(Node node) {
            Image image = (Image) node;
            String alt = altText(image);
            if (alt.isBlank()) alt = "image";
            String url = image.getDestination();
            if (isSafeUrl(url)) {
                Map<String, String> attrs = new LinkedHashMap<>();
                attrs.put("href", context.encodeUrl(url));
                attrs.put("class", "readme-image");
                attrs.put("rel", "nofollow noopener noreferrer");
                html.tag("a", attrs);
                html.text("[" + alt + "]");
                html.tag("/a");
            } else {
                html.text("[" + alt + "]");
            }
        }

        private static String altText(Node node) {
            StringBuilder sb = new StringBuilder();
            for (Node child = node.getFirstChild(); child != null; child = child.getNext()) {
                if (child instanceof Text t) sb.append(t.getLiteral());
                else sb.append(altText(child));
            }
            return sb.toString();
        }
    }
}
