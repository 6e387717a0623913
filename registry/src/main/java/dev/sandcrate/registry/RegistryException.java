package dev.sandcrate.registry;

/** A request the registry refuses: the HTTP status and the detail shown to the user (cargo prints it). */
public class RegistryException extends RuntimeException {
    private final int status;

    public RegistryException(int status, String detail) {
        super(detail);
        this.status = status;
    }

    public int status() {
        return status;
    }

    public static RegistryException badRequest(String detail) {
        return new RegistryException(400, detail);
    }

    public static RegistryException unauthorized(String detail) {
        return new RegistryException(401, detail);
    }

    public static RegistryException forbidden(String detail) {
        return new RegistryException(403, detail);
    }

    public static RegistryException notFound(String detail) {
        return new RegistryException(404, detail);
    }

    public static RegistryException conflict(String detail) {
        return new RegistryException(409, detail);
    }

    public static RegistryException tooLarge(String detail) {
        return new RegistryException(413, detail);
    }
}
