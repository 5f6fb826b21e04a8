package org.syncserver.support;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.util.Date;

/** Access tokens as the Node server signed them: {userid, email, iat: Date.now()} in milliseconds, no id. */
public final class NodeTokens {

    private NodeTokens() {
    }

    public static String accessToken(String userId, String email, long iatMillis, String secret) {
        JWTClaimsSet claims = new JWTClaimsSet.Builder()
                .claim("userid", userId)
                .claim("email", email)
                .claim("iat", iatMillis)
                .expirationTime(new Date((iatMillis / 1000 + 86_400) * 1000))
                .build();
        SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims);
        try {
            // by hand: Nimbus refuses keys under 256 bits, and Node deployments use such keys
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return new String(jwt.getSigningInput(), StandardCharsets.US_ASCII) + "."
                    + Base64URL.encode(mac.doFinal(jwt.getSigningInput()));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
