package dev.sandcrate.registry.web;

import dev.sandcrate.registry.crates.PublishedVersions;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sandcrate.registry.RegistryException;
import dev.sandcrate.registry.precompile.JobState;
import dev.sandcrate.registry.precompile.PrecompileService;
import dev.sandcrate.registry.precompile.PrecompileStore;
import dev.sandcrate.runtime.engine.Engines;
import dev.sandcrate.runtime.engine.MacroEngine;
import dev.sandcrate.runtime.engine.MacroInstance;
import dev.sandcrate.runtime.engine.MacroModule;
import dev.sandcrate.runtime.engine.SandboxException;
import dev.sandcrate.runtime.engine.SandboxLimits;
import dev.sandcrate.runtime.wire.Diagnostic;
import dev.sandcrate.runtime.wire.Outcome;
import dev.sandcrate.runtime.wire.Request;
import dev.sandcrate.runtime.wire.Response;
import dev.sandcrate.runtime.wire.RustLayout;
import dev.sandcrate.runtime.wire.TokenTree;
import dev.sandcrate.runtime.wire.WireException;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Semaphore;

/**
 * Runs a precompiled macro on source text pasted into the web page, in the same sandbox consumers use (the runtime's
 * default engine), with limits tighter than a consumer's because the input comes from anyone who can read the
 * registry: small input, 256 MiB of wasm memory, 10 s, 1 MiB of output, and at most two expansions at a time.
 * Only verified artifacts (both builds identical) can be run. Every run gets a fresh instance.
 */
public final class Playground {
    static final int MAX_INPUT_CHARS = 64 * 1024;
    static final SandboxLimits LIMITS = new SandboxLimits(256L << 20, Duration.ofSeconds(10), 1 << 20, 256L << 20);
    private static final int MAX_CONCURRENT = 2;
    private static final int CACHED_MODULES = 16;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final PrecompileService precompile;
    private final Semaphore slots = new Semaphore(MAX_CONCURRENT);
    private final Object engineLock = new Object();
    private MacroEngine engine;
    private final Map<String, MacroModule> modules = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, MacroModule> eldest) {
            return size() > CACHED_MODULES;
        }
    };

    public Playground(PrecompileService precompile) {
        this.precompile = precompile;
    }

    /** One macro of one verified artifact. */
    public record MacroChoice(String crate, String version, String featureKey, String artifactSha256, String kind, String name,
                              List<String> helperAttributes) {}

    /** Every macro of every verified artifact in the registry, by crate and version. */
    public List<MacroChoice> choices() {
        List<MacroChoice> out = new ArrayList<>();
        for (PublishedVersions.VersionRef v : precompile.store().allMacroVersions()) {
            if (v.yanked()) continue;
            for (PrecompileStore.Job job : precompile.store().jobsOf(v.id())) {
                if (job.state() != JobState.VERIFIED || job.buildRecord() == null) continue;
                for (JsonNode m : read(job.buildRecord()).path("manifest").path("macros")) {
                    List<String> helpers = new ArrayList<>();
                    m.path("attributes").forEach(a -> helpers.add(a.asText()));
                    out.add(new MacroChoice(v.crate(), v.num(), job.featureKey(), job.artifactSha256(),
                            m.path("kind").asText(), m.path("name").asText(), helpers));
                }
            }
        }
        return out;
    }

    /** What the page shows after a run. */
    public record Result(String status, String output, List<String> diagnostics, String message, long millis) {}

    public Result expand(String artifactSha256, String kind, String name, String input, String attrArgs) {
        if (input == null || input.isBlank()) throw RegistryException.badRequest("paste some Rust source to expand");
        if (input.length() > MAX_INPUT_CHARS || (attrArgs != null && attrArgs.length() > MAX_INPUT_CHARS)) {
            throw RegistryException.tooLarge("the playground takes at most " + MAX_INPUT_CHARS / 1024 + " KiB of source");
        }
        MacroChoice choice = choices().stream()
                .filter(c -> c.artifactSha256().equals(artifactSha256) && c.name().equals(name) && c.kind().equals(kind))
                .findFirst()
                .orElseThrow(() -> RegistryException.notFound("no verified artifact " + artifactSha256 + " with a " + kind + " macro `" + name + "`"));
        Request.MacroKind macroKind = switch (choice.kind()) {
            case "derive" -> Request.MacroKind.DERIVE;
            case "attr" -> Request.MacroKind.ATTR;
            case "bang" -> Request.MacroKind.BANG;
            default -> throw RegistryException.badRequest("unknown macro kind " + choice.kind());
        };
        byte[] request = Request.fromSource(macroKind, choice.name(), "playground.rs", input,
                macroKind == Request.MacroKind.ATTR ? (attrArgs == null ? "" : attrArgs) : null).encode();
        if (!slots.tryAcquire()) throw new RegistryException(429, "the playground is busy; try again in a moment");
        long start = System.nanoTime();
        try {
            MacroModule module = module(artifactSha256);
            byte[] responseBytes;
            try (MacroInstance instance = module.instantiate()) {
                responseBytes = instance.expand(request);
            }
            long millis = (System.nanoTime() - start) / 1_000_000;
            Response response = Response.decode(responseBytes);
            List<String> diagnostics = new ArrayList<>();
            for (Diagnostic d : response.diagnostics()) diagnostics.add(d.level().name().toLowerCase(java.util.Locale.ROOT) + ": " + d.message());
            return switch (response.outcome()) {
                case Outcome.Expanded e -> new Result("expanded", RustLayout.format(e.stream()), diagnostics, null, millis);
                case Outcome.Panicked p -> new Result("panicked", null, diagnostics, "the macro panicked"
                        + (p.location() == null ? "" : " at " + p.location().file() + ":" + p.location().line() + ":" + p.location().column())
                        + ": " + p.message(), millis);
                case Outcome.Failed f -> new Result("failed", null, diagnostics, f.message(), millis);
                case Outcome.NeedsInputs n -> new Result("failed", null, diagnostics, "the macro reads files ("
                        + String.join(", ", n.paths()) + "); the playground gives a macro none", millis);
            };
        } catch (SandboxException e) {
            return new Result("stopped", null, List.of(), e.getMessage(), (System.nanoTime() - start) / 1_000_000);
        } catch (WireException e) {
            return new Result("failed", null, List.of(), "the module answered with an invalid response: " + e.getMessage(),
                    (System.nanoTime() - start) / 1_000_000);
        } finally {
            slots.release();
        }
    }

    private MacroModule module(String sha256) throws SandboxException {
        synchronized (engineLock) {
            MacroModule cached = modules.get(sha256);
            if (cached != null) return cached;
            if (engine == null) engine = Engines.create(Engines.DEFAULT, LIMITS);
            byte[] wasm;
            Optional<InputStream> in = precompile.artifact(sha256);
            if (in.isEmpty()) throw RegistryException.notFound("no verified artifact " + sha256);
            try (InputStream s = in.get()) {
                wasm = s.readAllBytes();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            MacroModule module = engine.load(wasm);
            modules.put(sha256, module);
            return module;
        }
    }

    private static JsonNode read(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new IllegalStateException("unreadable build record", e);
        }
    }
}
