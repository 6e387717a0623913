package dev.sandcrate.runtime.engine;

import com.dylibso.chicory.wasm.ChicoryException;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.CustomSection;
import com.dylibso.chicory.wasm.types.Export;
import com.dylibso.chicory.wasm.types.ExportSection;
import com.dylibso.chicory.wasm.types.ExternalType;
import com.dylibso.chicory.wasm.types.FunctionSection;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.ImportSection;
import com.dylibso.chicory.wasm.types.Section;
import com.dylibso.chicory.wasm.types.SectionId;
import com.dylibso.chicory.wasm.types.TypeSection;
import com.dylibso.chicory.wasm.types.UnknownCustomSection;
import com.dylibso.chicory.wasm.types.ValType;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * The Sandcrate artifact ABI (docs/architecture.md): no imports; exports {@code memory},
 * {@code sandcrate_abi_version}, {@code sandcrate_alloc}, {@code sandcrate_expand}, {@code sandcrate_last_panic};
 * optional custom section {@code sandcrate-manifest}. Checked here once, whatever engine runs the module.
 */
public final class ArtifactAbi {

    public static final int VERSION = 1;
    public static final String MEMORY = "memory";
    public static final String ABI_VERSION = "sandcrate_abi_version";
    public static final String ALLOC = "sandcrate_alloc";
    public static final String EXPAND = "sandcrate_expand";
    public static final String LAST_PANIC = "sandcrate_last_panic";
    public static final String MANIFEST_SECTION = "sandcrate-manifest";

    private static final Map<String, FunctionType> FUNCTIONS = new LinkedHashMap<>();

    static {
        FUNCTIONS.put(ABI_VERSION, FunctionType.of(List.of(), List.of(ValType.I32)));
        FUNCTIONS.put(ALLOC, FunctionType.of(List.of(ValType.I32), List.of(ValType.I32)));
        FUNCTIONS.put(EXPAND, FunctionType.of(List.of(ValType.I32, ValType.I32), List.of(ValType.I64)));
        FUNCTIONS.put(LAST_PANIC, FunctionType.of(List.of(), List.of(ValType.I64)));
    }

    /** A module that passed the static checks. */
    public record CheckedModule(WasmModule module, String sha256, Optional<String> manifestJson) {}

    private ArtifactAbi() {}

    /**
     * Parses and checks the module statically; the ABI version is checked by engines after instantiation.
     * {@code sha256} is the caller's hash of {@code wasm}.
     */
    public static CheckedModule check(byte[] wasm, String sha256) throws SandboxException {
        WasmModule module;
        try {
            module = Parser.parse(wasm);
        } catch (ChicoryException | IllegalArgumentException | IndexOutOfBoundsException e) {
            throw invalid("not a valid WebAssembly module: " + e.getMessage(), e);
        }
        Optional<String> manifest = checkInterface(new Interface(module.typeSection(), module.importSection(),
                module.functionSection(), module.exportSection(), module.customSections()));
        return new CheckedModule(module, sha256, manifest);
    }

    /**
     * The same checks as {@link #check}, on the sections they are about only: its imports, exports, their types and
     * the manifest; returns the manifest. For an engine that validates the code itself when it compiles the module
     * (Wasmtime): parsing the code as well takes Chicory 1-2 s for a big macro on a cold JVM, before the compile.
     */
    public static Optional<String> checkInterface(byte[] wasm) throws SandboxException {
        Map<Class<?>, Section> sections = new HashMap<>();
        List<CustomSection> customs = new ArrayList<>();
        try {
            Parser.builder()
                    .includeSectionId(SectionId.CUSTOM).includeSectionId(SectionId.TYPE).includeSectionId(SectionId.IMPORT)
                    .includeSectionId(SectionId.FUNCTION).includeSectionId(SectionId.EXPORT)
                    .build()
                    .parse(new ByteArrayInputStream(wasm), section -> {
                        if (section instanceof CustomSection custom) {
                            customs.add(custom);
                        } else {
                            sections.put(section.getClass(), section);
                        }
                    });
        } catch (ChicoryException | IllegalArgumentException | IndexOutOfBoundsException e) {
            throw invalid("not a valid WebAssembly module: " + e.getMessage(), e);
        }
        return checkInterface(new Interface(
                section(sections, TypeSection.class, () -> TypeSection.builder().build()),
                section(sections, ImportSection.class, () -> ImportSection.builder().build()),
                section(sections, FunctionSection.class, () -> FunctionSection.builder().build()),
                section(sections, ExportSection.class, () -> ExportSection.builder().build()),
                customs));
    }

    /** The sections the ABI is about. */
    private record Interface(TypeSection types, ImportSection imports, FunctionSection functions, ExportSection exports,
                             List<CustomSection> customs) {}

    private static <T extends Section> T section(Map<Class<?>, Section> sections, Class<T> type, Supplier<T> absent) {
        Section found = sections.get(type);
        return found == null ? absent.get() : type.cast(found);
    }

    private static Optional<String> checkInterface(Interface module) throws SandboxException {
        if (module.imports().importCount() > 0) {
            String imports = module.imports().stream()
                    .map(i -> i.module() + "." + i.name())
                    .collect(Collectors.joining(", "));
            throw invalid("module imports " + imports + "; Sandcrate artifacts must not import anything");
        }
        Map<String, Export> exports = new LinkedHashMap<>();
        for (int i = 0; i < module.exports().exportCount(); i++) {
            Export export = module.exports().getExport(i);
            exports.put(export.name(), export);
        }
        Export memory = exports.get(MEMORY);
        if (memory == null || memory.exportType() != ExternalType.MEMORY) {
            throw invalid("module does not export its linear memory as \"memory\"");
        }
        for (Map.Entry<String, FunctionType> expected : FUNCTIONS.entrySet()) {
            Export export = exports.get(expected.getKey());
            if (export == null || export.exportType() != ExternalType.FUNCTION) {
                throw invalid("module does not export the function " + expected.getKey());
            }
            FunctionType actual;
            try {
                actual = module.functions().getFunctionType(export.index(), module.types());
            } catch (IndexOutOfBoundsException e) { // only a module whose code is not validated gets here
                throw invalid("export " + expected.getKey() + " names a function or type the module does not define", e);
            }
            if (!actual.typesMatch(expected.getValue())) {
                throw invalid("export " + expected.getKey() + " has type " + actual + ", expected " + expected.getValue());
            }
        }
        for (CustomSection section : module.customs()) {
            if (section instanceof UnknownCustomSection raw && MANIFEST_SECTION.equals(raw.name())) {
                return Optional.of(new String(raw.bytes(), StandardCharsets.UTF_8));
            }
        }
        return Optional.empty();
    }

    /** Where a packed result ({@code ptr << 32 | len}) of sandcrate_expand or sandcrate_last_panic lies. */
    public record Region(long offset, int length) {}

    /**
     * Unpacks a result and checks it against the output limit and the linear memory size (in that order), with the
     * same messages whatever engine ran the module.
     */
    public static Region region(long packed, long memoryBytes, SandboxLimits limits, String what) throws SandboxException {
        long offset = packed >>> 32;
        long length = packed & 0xffff_ffffL;
        if (length > limits.maxOutputBytes()) {
            throw new SandboxException(SandboxException.Kind.OUTPUT_LIMIT, "macro produced " + length
                    + " bytes of output, more than the limit of " + limits.maxOutputBytes() + " bytes");
        }
        checkRange(offset, length, memoryBytes, what);
        return new Region(offset, (int) length);
    }

    /** A range the module handed back (its allocation, its result) must lie inside its linear memory. */
    public static void checkRange(long offset, long length, long memoryBytes, String what) throws SandboxException {
        if (offset + length > memoryBytes) {
            throw new SandboxException(SandboxException.Kind.TRAP, what + " the range " + offset + "+" + length
                    + " outside linear memory (" + memoryBytes + " bytes)");
        }
    }

    /** Every engine's refusal of a module whose {@code sandcrate_abi_version} is not this runtime's. */
    public static SandboxException wrongVersion(String sha256, long version) {
        return invalid("module " + sha256 + " speaks Sandcrate ABI version " + version + ", this runtime speaks " + VERSION
                + "; update the runtime");
    }

    public static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    private static SandboxException invalid(String message) {
        return new SandboxException(SandboxException.Kind.INVALID_MODULE, message);
    }

    private static SandboxException invalid(String message, Throwable cause) {
        return new SandboxException(SandboxException.Kind.INVALID_MODULE, message, cause);
    }
}
