package org.syncserver.auth;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import org.syncserver.config.Config;
import org.syncserver.config.TokenMode;
import org.syncserver.error.AccessDeniedException;
import org.syncserver.error.ClientMessages;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.text.ParseException;
import java.util.Date;
import java.util.UUID;

/**
 * Token mode "jwt": HS256 JWTs, access tokens signed with {@code secret_key}, refresh tokens with
 * {@code secret_key_refresh}. The HMAC is computed here rather than by Nimbus' MACSigner because existing
 * deployments use secrets shorter than the 256 bits Nimbus insists on, and their tokens must still verify.
 */
public final class JwtTokens implements TokenFormat {

    /** The Node server wrote {@code iat} in milliseconds; read as seconds it lands beyond this instant. */
    private static final long MILLISECOND_IAT_THRESHOLD = 100_000_000_000_000L;
    private static final JWSHeader HEADER = new JWSHeader.Builder(JWSAlgorithm.HS256).type(JOSEObjectType.JWT).build();

    private final byte[] accessKey;
    private final byte[] refreshKey;

    public JwtTokens(Config.Tokens.Jwt secrets) {
        this.accessKey = secrets.accessKey().getBytes(StandardCharsets.UTF_8);
        this.refreshKey = secrets.refreshKey().getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public IssuedTokens issue(Subject subject, Ids ids, long nowMillis) {
        String access = sign(accessKey, claims(subject, ids.accessId(), nowMillis, ACCESS_TOKEN_TTL.toMillis()));
        String refresh = sign(refreshKey, claims(subject, ids.refreshId(), nowMillis, REFRESH_TOKEN_TTL.toMillis()));
        return new IssuedTokens(TokenMode.JWT, access, refresh, nowMillis + ACCESS_TOKEN_TTL.toMillis());
    }

    @Override
    public Presented readAccess(String token, long nowMillis) {
        JWTClaimsSet claims = verify(token, accessKey);
        if (claims.getJWTID() != null) {
            requireUnexpired(claims, nowMillis);
            return new Presented.Stored(claims.getJWTID());
        }
        return legacy(claims);
    }

    @Override
    public String readRefresh(String token, long nowMillis) {
        JWTClaimsSet claims = verify(token, refreshKey);
        // Node refresh tokens carry no client and no id: such a device logs in again, as it does on any 403.
        if (claims.getJWTID() == null) {
            throw new AccessDeniedException(ClientMessages.INVALID_TOKEN);
        }
        requireUnexpired(claims, nowMillis);
        return claims.getJWTID();
    }

    private static JWTClaimsSet claims(Subject subject, String id, long nowMillis, long ttlMillis) {
        return new JWTClaimsSet.Builder()
                .subject(subject.userId().toString())
                .claim("userid", subject.userId().toString())
                .claim("email", subject.email())
                .claim("clientid", subject.clientId().toString())
                .jwtID(id)
                .issueTime(new Date(nowMillis))
                .expirationTime(new Date(nowMillis + ttlMillis))
                .build();
    }

    private static Presented legacy(JWTClaimsSet claims) {
        Date issued = claims.getIssueTime();
        Object userId = claims.getClaim("userid");
        if (issued == null || !(userId instanceof String id)) {
            throw new AccessDeniedException(ClientMessages.INVALID_TOKEN);
        }
        long issuedAt = issued.getTime();
        if (issuedAt > MILLISECOND_IAT_THRESHOLD) {
            issuedAt /= 1000;
        }
        try {
            return new Presented.LegacyJwt(UUID.fromString(id), issuedAt);
        } catch (IllegalArgumentException e) {
            throw new AccessDeniedException(ClientMessages.INVALID_TOKEN);
        }
    }

    private static void requireUnexpired(JWTClaimsSet claims, long nowMillis) {
        Date expires = claims.getExpirationTime();
        if (expires == null || expires.getTime() <= nowMillis) {
            throw new AccessDeniedException(ClientMessages.INVALID_TOKEN);
        }
    }

    private static String sign(byte[] key, JWTClaimsSet claims) {
        String signingInput = HEADER.toBase64URL() + "." + Base64URL.encode(claims.toString());
        return signingInput + "." + Base64URL.encode(hmac(key, signingInput.getBytes(StandardCharsets.US_ASCII)));
    }

    private static JWTClaimsSet verify(String token, byte[] key) {
        try {
            SignedJWT jwt = SignedJWT.parse(token);
            byte[] expected = hmac(key, jwt.getSigningInput());
            if (!JWSAlgorithm.HS256.equals(jwt.getHeader().getAlgorithm())
                    || !MessageDigest.isEqual(expected, jwt.getSignature().decode())) {
                throw new AccessDeniedException(ClientMessages.INVALID_TOKEN);
            }
            return jwt.getJWTClaimsSet();
        } catch (ParseException e) {
            throw new AccessDeniedException(ClientMessages.INVALID_TOKEN);
        }
    }

    private static byte[] hmac(byte[] key, byte[] data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }
}
