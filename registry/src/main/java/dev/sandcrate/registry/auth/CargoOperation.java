package dev.sandcrate.registry.auth;

/**
 * What a request asks the registry to do, as an asymmetric token (RFC 3231) must name it: its {@code mutation}
 * claim ("publish", "yank", "unyank", "owners"; null for a read) and the crate, version and .crate checksum it is for.
 * Cargo signs each mutation for exactly one such operation; the registry refuses a token signed for another.
 */
public record CargoOperation(String mutation, String name, String vers, String cksum) {
    public static final CargoOperation READ = new CargoOperation(null, null, null, null);

    public static CargoOperation publish(String name, String vers, String cksum) {
        return new CargoOperation("publish", name, vers, cksum);
    }

    public static CargoOperation yank(String name, String vers, boolean yanked) {
        return new CargoOperation(yanked ? "yank" : "unyank", name, vers, null);
    }

    public static CargoOperation owners(String name) {
        return new CargoOperation("owners", name, null, null);
    }

    public boolean isRead() {
        return mutation == null;
    }

    String describe() {
        if (isRead()) return "a read";
        return mutation + " of " + name + (vers == null ? "" : " " + vers);
    }
}
