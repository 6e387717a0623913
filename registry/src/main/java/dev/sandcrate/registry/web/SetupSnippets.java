package dev.sandcrate.registry.web;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The configuration users paste to use this registry, generated for its public URL and settings, so the setup page
 * never shows placeholders for things the registry knows.
 */
public final class SetupSnippets {
    private static final Pattern REGISTRY_NAME = Pattern.compile("[a-z0-9][a-z0-9_-]{0,63}");

    /** One snippet: a title, where it goes, the text, and a sentence on when to use it. */
    public record Snippet(String id, String title, String file, String language, String text, String note) {}

    private SetupSnippets() {}

    /** Checks the name users pick for this registry in their cargo config (cargo accepts letters, digits, -, _). */
    public static String checkName(String name) {
        if (name == null || name.isBlank()) return "sandcrate";
        String n = name.strip();
        if (!REGISTRY_NAME.matcher(n).matches()) {
            throw new IllegalArgumentException("registry name must be 1-64 lower-case letters, digits, '-' or '_', starting with a letter or digit");
        }
        return n;
    }

    public static List<Snippet> consumer(String url, String name, boolean authRequired) {
        List<Snippet> out = new ArrayList<>();
        String registries = "[registries." + name + "]\nindex = \"sparse+" + url + "/index/\"\n";
        String provider = "\n[registry]\n# cargo sends a token on reads only through a credential provider\nglobal-credential-providers = [\"cargo:token\"]\n";
        out.add(new Snippet("consumer", "Use crates from this registry", ".cargo/config.toml (in a project or ~/.cargo/)", "toml",
                registries + (authRequired ? provider : ""),
                "Then depend on a crate with `my-crate = { version = \"1\", registry = \"" + name + "\" }`."));
        out.add(new Snippet("mirror", "Take everything from this registry (offline mirror)", ".cargo/config.toml", "toml",
                registries + "\n[source.crates-io]\nreplace-with = \"" + name + "\"\n" + (authRequired ? provider : ""),
                "Every crates.io dependency then resolves from here; Cargo.lock checksums stay those of the published .crate files."));
        out.add(new Snippet("credentials", "Log in (publishing" + (authRequired ? " and reading" : "") + ")", "shell", "sh",
                "cargo login --registry " + name + "\n# paste a token from your account page\n\n# or, in CI:\nexport CARGO_REGISTRIES_" + name.toUpperCase(java.util.Locale.ROOT).replace('-', '_') + "_TOKEN=scr_...\n",
                authRequired ? "This registry requires a token with the read scope even for downloads; keep the credential provider line above."
                        : "Publishing, yanking and owner changes need a token; reading does not on this registry."));
        out.add(new Snippet("publish", "Publish", "shell", "sh",
                "cargo publish --registry " + name + "\n# or put `publish = [\"" + name + "\"]` under [package] in Cargo.toml\n",
                "Proc-macro crates are analysed after publishing; their precompile reports appear on the crate page."));
        return out;
    }

    /**
     * Opting in to sandboxed macros for a whole project: the precompiled view of the index serves every crate as
     * published, except macro crates with verified artifacts, which come as shims that run the wasm in the runtime.
     */
    public static Snippet precompiledView(String url, String name, boolean authRequired) {
        String provider = "\n[registry]\nglobal-credential-providers = [\"cargo:token\"]\n";
        return new Snippet("precompiled-view", "Use sandboxed macros (precompiled view)", ".cargo/config.toml (in a project or ~/.cargo/)", "toml",
                "[registries." + name + "]\nindex = \"sparse+" + url + "/precompiled/index/\"\n" + (authRequired ? provider : ""),
                "The same crates and versions; proc-macro crates with a verified artifact arrive as small shims that run the"
                        + " macro in the sandbox runtime (install it first). Cargo.lock records the shim's checksum.");
    }

    /**
     * Opting in to sandboxed macros for chosen macro crates only: the normal index stays, and a [patch] entry takes
     * one macro crate's version from the precompiled view.
     */
    public static Snippet precompiledPatch(String url, String name, boolean authRequired) {
        String view = name + "-precompiled";
        String provider = "\n[registry]\nglobal-credential-providers = [\"cargo:token\"]\n";
        return new Snippet("precompiled-patch", "Use sandboxed macros for single crates ([patch])", ".cargo/config.toml or Cargo.toml", "toml",
                "[registries." + view + "]\nindex = \"sparse+" + url + "/precompiled/index/\"\n" + (authRequired ? provider : "")
                        + "\n# one line per macro crate; the version must have a verified artifact (see its precompile report)\n"
                        + "[patch." + name + "]\nmy-macro = { version = \"=1.2.3\", registry = \"" + view + "\" }\n",
                "Every other crate still comes from `" + name + "`. If you take crates.io dependencies from this registry"
                        + " through `[source.crates-io] replace-with`, write `[patch.crates-io]` instead.");
    }
}
