package dev.sandcrate.registry.crates;

import dev.sandcrate.index.crate.CrateArchive;
import dev.sandcrate.index.crate.CrateLimits;
import dev.sandcrate.index.crate.InvalidCrateException;
import dev.sandcrate.registry.RegistryException;
import dev.sandcrate.registry.TestCrates;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.BeforeContainer;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Fuzzes what a publisher controls, the publish body and the .crate inside it: random bytes, and valid bodies and
 * crates with bytes flipped, cut off, inserted or overwritten with large numbers (length fields included). Whatever
 * comes in, the parser and the reader accept it or refuse it with their own exception (a 400/413, an invalid crate),
 * never another exception. The suite runs 1000 tries per property (seconds); a longer run:
 * {@code mvn -B -pl registry -am verify -Dtest=PublishBodyFuzzTest -Dsurefire.failIfNoSpecifiedTests=false -Djqwik.tries.default=100000}.
 */
class PublishBodyFuzzTest {
    private static final long MAX_CRATE = 1 << 20;
    private static final CrateLimits LIMITS = CrateLimits.DEFAULT.withMaxUnpackedBytes(4 << 20);
    private static byte[] validCrate;
    private static byte[] validTar;
    private static byte[] validBody;

    @BeforeContainer
    static void buildValidCrate() throws IOException {
        Path work = Files.createTempDirectory("fuzz-crate");
        try {
            validCrate = TestCrates.crate(work, "fuzzed", "0.1.0", """
                    [dependencies]
                    serde = { version = "1", optional = true }
                    [features]
                    default = ["serde"]
                    """);
        } finally {
            try (var paths = Files.walk(work)) {
                for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
            }
        }
        try (var in = new GZIPInputStream(new ByteArrayInputStream(validCrate))) {
            validTar = in.readAllBytes();
        }
        validBody = TestCrates.publishBody("fuzzed", "0.1.0", validCrate);
        // the mutations start from inputs that pass
        PublishRequest ok = PublishRequest.parse(validBody, MAX_CRATE);
        assertEquals("fuzzed", CrateArchive.read(ok.crate(), LIMITS).manifest().name());
    }

    /** One change to an input: flip a byte, cut the tail, insert bytes, or overwrite four bytes with a number. */
    record Mutation(int kind, int position, int value, byte[] inserted) {
        byte[] apply(byte[] in) {
            int pos = Math.floorMod(position, in.length);
            return switch (kind) {
                case 0 -> {
                    byte[] out = in.clone();
                    out[pos] ^= (byte) (value | 1);
                    yield out;
                }
                case 1 -> Arrays.copyOf(in, pos);
                case 2 -> {
                    byte[] out = new byte[in.length + inserted.length];
                    System.arraycopy(in, 0, out, 0, pos);
                    System.arraycopy(inserted, 0, out, pos, inserted.length);
                    System.arraycopy(in, pos, out, pos + inserted.length, in.length - pos);
                    yield out;
                }
                default -> {
                    byte[] out = in.clone();
                    ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN).putInt(Math.min(pos, out.length - 4), value);
                    yield out;
                }
            };
        }
    }

    @Provide
    Arbitrary<List<Mutation>> mutations() {
        Arbitrary<Mutation> one = Combinators.combine(Arbitraries.integers().between(0, 3), Arbitraries.integers(),
                Arbitraries.integers(), Arbitraries.bytes().array(byte[].class).ofMaxSize(64)).as(Mutation::new);
        return one.list().ofMinSize(1).ofMaxSize(4);
    }

    static byte[] mutate(byte[] in, List<Mutation> mutations) {
        byte[] out = in;
        for (Mutation m : mutations) if (out.length >= 4) out = m.apply(out);
        return out;
    }

    /** The publish path up to storing: parse the body, then read the .crate in it. */
    static void publishPath(byte[] body) {
        try {
            PublishRequest req = PublishRequest.parse(body, MAX_CRATE);
            CrateArchive.read(req.crate(), LIMITS);
        } catch (RegistryException e) {
            assertTrue(e.status() == 400 || e.status() == 413, "status " + e.status() + ": " + e.getMessage());
        } catch (InvalidCrateException e) {
            assertNotNull(e.getMessage());
        }
    }

    static void readCrate(byte[] crate) {
        try {
            CrateArchive.read(crate, LIMITS);
        } catch (InvalidCrateException e) {
            assertNotNull(e.getMessage());
        }
    }

    static byte[] gzip(byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    @Property
    void randomBytesAsAPublishBody(@ForAll byte[] body) {
        publishPath(body);
    }

    @Property
    void mutatedPublishBodies(@ForAll("mutations") List<Mutation> mutations) {
        publishPath(mutate(validBody, mutations));
    }

    @Property
    void mutatedCrates(@ForAll("mutations") List<Mutation> mutations) {
        readCrate(mutate(validCrate, mutations));
    }

    /** Past gzip: mutations of the tar itself, compressed again so that they reach the tar reader. */
    @Property
    void mutatedTarsInValidGzip(@ForAll("mutations") List<Mutation> mutations) {
        readCrate(gzip(mutate(validTar, mutations)));
    }

    @Property
    void randomBytesInValidGzip(@ForAll byte[] tar) {
        readCrate(gzip(tar));
    }
}
