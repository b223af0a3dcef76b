package dev.gatehouse.auth;

import com.auth0.jwt.algorithms.Algorithm;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A real signing key pair, as Supabase Auth holds it, and its public half as Supabase publishes it. */
record TestKey(String kid, KeyPair pair, Algorithm signer, Map<String, Object> jwk) {
    private static final ObjectMapper JSON = new ObjectMapper();

    static TestKey es256(String kid) {
        KeyPair pair = generate("EC", new ECGenParameterSpec("secp256r1"), 0);
        ECPublicKey pub = (ECPublicKey) pair.getPublic();
        Map<String, Object> jwk = new LinkedHashMap<>();
        jwk.put("kty", "EC");
        jwk.put("crv", "P-256");
        jwk.put("x", base64Url(pub.getW().getAffineX(), 32));
        jwk.put("y", base64Url(pub.getW().getAffineY(), 32));
        jwk.put("kid", kid);
        jwk.put("alg", "ES256");
        jwk.put("use", "sig");
        jwk.put("key_ops", List.of("verify"));
        return new TestKey(kid, pair, Algorithm.ECDSA256(pub, (ECPrivateKey) pair.getPrivate()), jwk);
    }

    static TestKey rs256(String kid) {
        return rsa(kid, 2048);
    }

    static TestKey rsa(String kid, int bits) {
        KeyPair pair = generate("RSA", null, bits);
        RSAPublicKey pub = (RSAPublicKey) pair.getPublic();
        Map<String, Object> jwk = new LinkedHashMap<>();
        jwk.put("kty", "RSA");
        jwk.put("n", base64Url(pub.getModulus(), 0));
        jwk.put("e", base64Url(pub.getPublicExponent(), 0));
        jwk.put("kid", kid);
        jwk.put("alg", "RS256");
        jwk.put("use", "sig");
        jwk.put("key_ops", List.of("verify"));
        return new TestKey(kid, pair, Algorithm.RSA256(pub, (RSAPrivateKey) pair.getPrivate()), jwk);
    }

    /** The same key material published under another kid, or with a JWK member changed. */
    TestKey withJwk(String member, Object value) {
        Map<String, Object> changed = new LinkedHashMap<>(jwk);
        changed.put(member, value);
        return new TestKey(member.equals("kid") ? (String) value : kid, pair, signer, changed);
    }

    String jwkJson() {
        try {
            return JSON.writeValueAsString(jwk);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static KeyPair generate(String type, ECGenParameterSpec curve, int bits) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance(type);
            if (curve != null) {
                generator.initialize(curve);
            } else {
                generator.initialize(bits);
            }
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Unsigned big-endian, left-padded to {@code length} bytes when given (EC coordinates are fixed-size). */
    private static String base64Url(BigInteger value, int length) {
        byte[] bytes = value.toByteArray();
        if (bytes.length > 1 && bytes[0] == 0) {
            bytes = Arrays.copyOfRange(bytes, 1, bytes.length);
        }
        if (length > bytes.length) {
            byte[] padded = new byte[length];
            System.arraycopy(bytes, 0, padded, length - bytes.length, bytes.length);
            bytes = padded;
        }
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
