package dev.sandcrate.registry.auth;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.ECFieldFp;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.util.Arrays;
import java.util.Base64;

/**
 * PASETO {@code v3.public} verification and PASERK {@code k3.public} / {@code k3.pid} handling, on the JDK's own
 * ECDSA P-384 (no PASETO library on Maven Central is kept up for v3.public verification with PASERK ids). Only
 * what a registry needs: it verifies tokens, it never signs them.
 */
public final class Paseto {
    public static final String V3_PUBLIC = "v3.public.";
    public static final String K3_PUBLIC = "k3.public.";
    public static final String K3_PID = "k3.pid.";
    private static final int COMPRESSED_KEY_BYTES = 49;
    private static final int SIGNATURE_BYTES = 96;
    private static final Base64.Decoder B64 = Base64.getUrlDecoder();
    private static final Base64.Encoder B64_OUT = Base64.getUrlEncoder().withoutPadding();
    static final ECParameterSpec P384 = p384();

    private Paseto() {}

    /** A k3.public key: its PASERK string and the JDK key it decodes to. */
    public record PublicKey3(String paserk, byte[] compressed, PublicKey key) {
        /** The PASERK id ({@code k3.pid.}): SHA-384 of "k3.pid." and the PASERK, truncated to 33 bytes. */
        public String pid() {
            try {
                byte[] d = MessageDigest.getInstance("SHA-384").digest((K3_PID + paserk).getBytes(StandardCharsets.UTF_8));
                return K3_PID + B64_OUT.encodeToString(Arrays.copyOf(d, 33));
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** A token whose signature verified: the signed message and the footer (both as sent). */
    public record Verified(byte[] message, byte[] footer) {}

    public static class InvalidTokenException extends Exception {
        public InvalidTokenException(String message) {
            super(message);
        }
    }

    /** Parses a {@code k3.public.<base64url of the 49-byte compressed P-384 point>} PASERK. */
    public static PublicKey3 parsePublicKey(String paserk) {
        String s = paserk == null ? "" : paserk.strip();
        if (!s.startsWith(K3_PUBLIC)) throw new IllegalArgumentException("not a PASERK k3.public key (it starts with `k3.public.`)");
        byte[] compressed;
        try {
            compressed = B64.decode(s.substring(K3_PUBLIC.length()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the k3.public key is not base64url");
        }
        return new PublicKey3(s, compressed, decompress(compressed));
    }

    /** The public key for a compressed P-384 point (as in the PASETO spec's test vectors, hex "02..." / "03..."). */
    public static PublicKey3 fromCompressed(byte[] compressed) {
        return new PublicKey3(K3_PUBLIC + B64_OUT.encodeToString(compressed), compressed.clone(), decompress(compressed));
    }

    /**
     * Verifies a {@code v3.public.} token with this key and implicit assertion: PAE(pk, h, m, f, i) signed with
     * ECDSA P-384 / SHA-384, the 96-byte r||s signature after the message.
     */
    public static Verified verify(String token, PublicKey3 key, byte[] implicitAssertion) throws InvalidTokenException {
        if (token == null || !token.startsWith(V3_PUBLIC)) throw new InvalidTokenException("not a v3.public PASETO");
        String[] parts = token.substring(V3_PUBLIC.length()).split("\\.", -1);
        if (parts.length < 1 || parts.length > 2) throw new InvalidTokenException("malformed v3.public PASETO");
        byte[] body, footer;
        try {
            body = B64.decode(parts[0]);
            footer = parts.length == 2 ? B64.decode(parts[1]) : new byte[0];
        } catch (IllegalArgumentException e) {
            throw new InvalidTokenException("the PASETO is not base64url");
        }
        if (body.length < SIGNATURE_BYTES) throw new InvalidTokenException("the PASETO is too short to carry a signature");
        byte[] message = Arrays.copyOf(body, body.length - SIGNATURE_BYTES);
        byte[] signature = Arrays.copyOfRange(body, body.length - SIGNATURE_BYTES, body.length);
        byte[] signed = pae(key.compressed(), V3_PUBLIC.getBytes(StandardCharsets.US_ASCII), message, footer, implicitAssertion);
        try {
            Signature ecdsa = Signature.getInstance("SHA384withECDSAinP1363Format");
            ecdsa.initVerify(key.key());
            ecdsa.update(signed);
            if (!ecdsa.verify(signature)) throw new InvalidTokenException("the PASETO's signature does not verify with the registered key");
        } catch (java.security.SignatureException e) {
            throw new InvalidTokenException("the PASETO's signature does not verify with the registered key");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK lacks ECDSA P-384", e);
        }
        return new Verified(message, footer);
    }

    /** The footer of a v3.public token, unverified (it names the key to verify with). */
    public static byte[] unverifiedFooter(String token) throws InvalidTokenException {
        if (token == null || !token.startsWith(V3_PUBLIC)) throw new InvalidTokenException("not a v3.public PASETO");
        String[] parts = token.substring(V3_PUBLIC.length()).split("\\.", -1);
        if (parts.length != 2) throw new InvalidTokenException("the PASETO has no footer naming its key");
        try {
            return B64.decode(parts[1]);
        } catch (IllegalArgumentException e) {
            throw new InvalidTokenException("the PASETO footer is not base64url");
        }
    }

    /** Pre-authentication encoding: LE64(count) then, per piece, LE64(length) and the bytes. */
    static byte[] pae(byte[]... pieces) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        le64(out, pieces.length);
        for (byte[] p : pieces) {
            le64(out, p.length);
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    private static void le64(ByteArrayOutputStream out, long n) {
        n &= Long.MAX_VALUE; // the spec clears the top bit
        for (int i = 0; i < 8; i++) out.write((int) (n >>> (8 * i)) & 0xff);
    }

    /** A compressed P-384 point (0x02/0x03 || x) to a JDK key: y = sqrt(x^3 - 3x + b) mod p, with the given parity. */
    private static PublicKey decompress(byte[] compressed) {
        if (compressed.length != COMPRESSED_KEY_BYTES || (compressed[0] != 2 && compressed[0] != 3)) {
            throw new IllegalArgumentException("a k3.public key is a 49-byte compressed P-384 point");
        }
        BigInteger p = ((ECFieldFp) P384.getCurve().getField()).getP();
        BigInteger x = new BigInteger(1, Arrays.copyOfRange(compressed, 1, compressed.length));
        if (x.compareTo(p) >= 0) throw new IllegalArgumentException("the k3.public key is not a point on P-384");
        BigInteger rhs = x.pow(3).add(P384.getCurve().getA().multiply(x)).add(P384.getCurve().getB()).mod(p);
        BigInteger y = rhs.modPow(p.add(BigInteger.ONE).shiftRight(2), p); // p = 3 mod 4
        if (!y.multiply(y).mod(p).equals(rhs)) throw new IllegalArgumentException("the k3.public key is not a point on P-384");
        if (y.testBit(0) != (compressed[0] == 3)) y = p.subtract(y);
        try {
            return KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(new ECPoint(x, y), P384));
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("the k3.public key is not a valid P-384 key: " + e.getMessage());
        }
    }

    private static ECParameterSpec p384() {
        try {
            AlgorithmParameters params = AlgorithmParameters.getInstance("EC");
            params.init(new ECGenParameterSpec("secp384r1"));
            return params.getParameterSpec(ECParameterSpec.class);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK lacks P-384", e);
        }
    }
}
