package dev.sandcrate.registry.auth;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.*;

/** The PASETO v3.public test vectors (paseto-spec, docs/03-Implementation-Guide/Test-Vectors/v3.json) and RFC 3231's example. */
class PasetoTest {
    static final Paseto.PublicKey3 SPEC_KEY = Paseto.fromCompressed(HexFormat.of().parseHex(
            "02fbcb7c69ee1c60579be7a334134878d9c5c5bf35d552dab63c0140397ed14cef637d7720925c44699ea30e72874c72fb"));
    static final String SPEC_PAYLOAD = "{\"data\":\"this is a signed message\",\"exp\":\"2022-01-01T00:00:00+00:00\"}";

    @Test
    void verifiesTheSpecVectors() throws Exception {
        // 3-S-1: no footer, no implicit assertion
        Paseto.Verified s1 = Paseto.verify("v3.public.eyJkYXRhIjoidGhpcyBpcyBhIHNpZ25lZCBtZXNzYWdlIiwiZXhwIjoiMjAyMi0wMS0wMVQwMDowMDowMCswMDowMCJ9qqEwwrKHKi5lJ7b9MBKc0G4MGZy0ptUiMv3lAUAaz-JY_zjoqBSIxMxhfAoeNYiSyvfUErj76KOPWm1OeNnBPkTSespeSXDGaDfxeIrl3bRrPEIy7tLwLAIsRzsXkfph",
                SPEC_KEY, new byte[0]);
        assertEquals(SPEC_PAYLOAD, new String(s1.message(), StandardCharsets.UTF_8));
        // 3-S-2: footer
        String s2 = "v3.public.eyJkYXRhIjoidGhpcyBpcyBhIHNpZ25lZCBtZXNzYWdlIiwiZXhwIjoiMjAyMi0wMS0wMVQwMDowMDowMCswMDowMCJ9ZWrbGZ6L0MDK72skosUaS0Dz7wJ_2bMcM6tOxFuCasO9GhwHrvvchqgXQNLQQyWzGC2wkr-VKII71AvkLpC8tJOrzJV1cap9NRwoFzbcXjzMZyxQ0wkshxZxx8ImmNWP.eyJraWQiOiJkWWtJU3lseFFlZWNFY0hFTGZ6Rjg4VVpyd2JMb2xOaUNkcHpVSEd3OVVxbiJ9";
        Paseto.Verified v2 = Paseto.verify(s2, SPEC_KEY, new byte[0]);
        assertEquals(SPEC_PAYLOAD, new String(v2.message(), StandardCharsets.UTF_8));
        assertEquals("{\"kid\":\"dYkISylxQeecEcHELfzF88UZrwbLolNiCdpzUHGw9Uqn\"}", new String(v2.footer(), StandardCharsets.UTF_8));
        // 3-S-3: footer and implicit assertion; the wrong assertion fails
        String s3 = "v3.public.eyJkYXRhIjoidGhpcyBpcyBhIHNpZ25lZCBtZXNzYWdlIiwiZXhwIjoiMjAyMi0wMS0wMVQwMDowMDowMCswMDowMCJ94SjWIbjmS7715GjLSnHnpJrC9Z-cnwK45dmvnVvCRQDCCKAXaKEopTajX0DKYx1Xqr6gcTdfqscLCAbiB4eOW9jlt-oNqdG8TjsYEi6aloBfTzF1DXff_45tFlnBukEX.eyJraWQiOiJkWWtJU3lseFFlZWNFY0hFTGZ6Rjg4VVpyd2JMb2xOaUNkcHpVSEd3OVVxbiJ9";
        Paseto.verify(s3, SPEC_KEY, "{\"test-vector\":\"3-S-3\"}".getBytes(StandardCharsets.UTF_8));
        assertThrows(Paseto.InvalidTokenException.class, () -> Paseto.verify(s3, SPEC_KEY, new byte[0]));
    }

    @Test
    void refusesTamperedTokensAndOtherKeys() throws Exception {
        String s2 = "v3.public.eyJkYXRhIjoidGhpcyBpcyBhIHNpZ25lZCBtZXNzYWdlIiwiZXhwIjoiMjAyMi0wMS0wMVQwMDowMDowMCswMDowMCJ9ZWrbGZ6L0MDK72skosUaS0Dz7wJ_2bMcM6tOxFuCasO9GhwHrvvchqgXQNLQQyWzGC2wkr-VKII71AvkLpC8tJOrzJV1cap9NRwoFzbcXjzMZyxQ0wkshxZxx8ImmNWP.eyJraWQiOiJkWWtJU3lseFFlZWNFY0hFTGZ6Rjg4VVpyd2JMb2xOaUNkcHpVSEd3OVVxbiJ9";
        // another footer under the same body and signature (footer is signed)
        assertThrows(Paseto.InvalidTokenException.class, () -> Paseto.verify(s2.substring(0, s2.lastIndexOf('.')) + ".e30", SPEC_KEY, new byte[0]));
        // a changed message byte
        String tampered = s2.replace("eyJkYXRhIjoidGhpcyBpcyBh", "eyJkYXRhIjoidGhpcyBpcyBi");
        assertThrows(Paseto.InvalidTokenException.class, () -> Paseto.verify(tampered, SPEC_KEY, new byte[0]));
        PasetoSigner other = new PasetoSigner();
        assertThrows(Paseto.InvalidTokenException.class, () -> Paseto.verify(s2, Paseto.parsePublicKey(other.paserkPublic()), new byte[0]));
        assertThrows(Paseto.InvalidTokenException.class, () -> Paseto.verify("v4.public.xyz", SPEC_KEY, new byte[0]));
    }

    @Test
    void paserkPublicKeysAndIdsAsRfc3231Shows() throws Exception {
        // RFC 3231's worked example: the public key, its k3.pid, and a token it signed (footer key named `kid` there)
        Paseto.PublicKey3 key = Paseto.parsePublicKey("k3.public.AmDwjlyf8jAV3gm5Z7Kz9xAOcsKslt_Vwp5v-emjFzBHLCtcANzTaVEghTNEMj9PkQ");
        assertEquals("k3.pid.QB3WNBP-5j-0XQV2MOuvuOcLlJ8uz-pmqtIZus1x3YTu", key.pid());
        Paseto.Verified v = Paseto.verify("v3.public.eyJpYXQiOiAiMjAyMi0wMi0yOFQxODozMzoyNCswMDowMCJ99q655qLlH5HYwCh86OGvPvY26X0rrd7Ibci3fmHz6MgAKK3RugUQ1rvNRjBEJZvfWqqq2WxEOrjMujkuk8jpmJ2B_i3BTIzYYZZRhjZeWAi0erCNqmtFZMeC3_2oqSka.eyJ1cmwiOiAiaHR0cHM6Ly9yZWdpc3RyeS5jb20vY3JhdGUtaW5kZXgiLCAia2lkIjogImszLnBpZC5RQjNXTkJQLTVqLTBYUVYyTU91dnVPY0xsSjh1ei1wbXF0SVp1czF4M1lUdSJ9",
                key, new byte[0]);
        assertEquals("{\"iat\": \"2022-02-28T18:33:24+00:00\"}", new String(v.message(), StandardCharsets.UTF_8));

        // the spec key round-trips through its PASERK form, with both point parities
        assertEquals(SPEC_KEY.key(), Paseto.parsePublicKey(SPEC_KEY.paserk()).key());
        for (int i = 0; i < 4; i++) {
            PasetoSigner s = new PasetoSigner();
            Paseto.verify(s.sign("{\"iat\":\"2026-01-01T00:00:00Z\"}", "sparse+http://x/index/"), Paseto.parsePublicKey(s.paserkPublic()), new byte[0]);
        }
        assertThrows(IllegalArgumentException.class, () -> Paseto.parsePublicKey("k4.public.AAAA"));
        assertThrows(IllegalArgumentException.class, () -> Paseto.parsePublicKey("k3.public.AmDwjlyf8jAV3gm5Z7Kz9xAOcsKslt"));
        assertThrows(IllegalArgumentException.class, () -> Paseto.parsePublicKey("k3.public.BmDwjlyf8jAV3gm5Z7Kz9xAOcsKslt_Vwp5v-emjFzBHLCtcANzTaVEghTNEMj9PkQ"));
    }
}
