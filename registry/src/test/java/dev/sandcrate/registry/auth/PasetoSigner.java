package dev.sandcrate.registry.auth;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.util.Arrays;
import java.util.Base64;

/**
 * A P-384 key pair that signs v3.public PASETOs the way cargo's cargo:paseto provider does, for tests that need
 * tokens cargo would not make (old, replayed, for another crate). Its secret exports as the PASERK k3.secret that
 * {@code cargo login -Zasymmetric-token} accepts, so cargo and the test sign with the same key.
 */
public final class PasetoSigner {
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
    private final ECPrivateKey secret;
    private final byte[] compressedPublic;

    public PasetoSigner() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp384r1"));
        KeyPair kp = g.generateKeyPair();
        secret = (ECPrivateKey) kp.getPrivate();
        ECPublicKey pub = (ECPublicKey) kp.getPublic();
        compressedPublic = new byte[49];
        compressedPublic[0] = (byte) (pub.getW().getAffineY().testBit(0) ? 3 : 2);
        System.arraycopy(fixed(pub.getW().getAffineX()), 0, compressedPublic, 1, 48);
    }

    public String paserkSecret() {
        return "k3.secret." + B64.encodeToString(fixed(secret.getS()));
    }

    public String paserkPublic() {
        return Paseto.fromCompressed(compressedPublic).paserk();
    }

    public String pid() {
        return Paseto.fromCompressed(compressedPublic).pid();
    }

    /** A token with this message JSON and the footer cargo writes ({@code url}, {@code kip}). */
    public String sign(String messageJson, String indexUrl) throws Exception {
        String footer = "{\"url\":\"" + indexUrl + "\",\"kip\":\"" + pid() + "\"}";
        byte[] m = messageJson.getBytes(StandardCharsets.UTF_8), f = footer.getBytes(StandardCharsets.UTF_8);
        Signature ecdsa = Signature.getInstance("SHA384withECDSAinP1363Format");
        ecdsa.initSign(secret);
        ecdsa.update(Paseto.pae(compressedPublic, Paseto.V3_PUBLIC.getBytes(StandardCharsets.US_ASCII), m, f, new byte[0]));
        byte[] sig = ecdsa.sign();
        byte[] body = Arrays.copyOf(m, m.length + sig.length);
        System.arraycopy(sig, 0, body, m.length, sig.length);
        return Paseto.V3_PUBLIC + B64.encodeToString(body) + "." + B64.encodeToString(f);
    }

    private static byte[] fixed(BigInteger n) {
        byte[] raw = n.toByteArray();
        byte[] out = new byte[48];
        int len = Math.min(raw.length, 48);
        System.arraycopy(raw, raw.length - len, out, 48 - len, len);
        return out;
    }
}
