package org.syncserver.identity;

import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.generators.SCrypt;
import org.bouncycastle.crypto.params.Argon2Parameters;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.concurrent.Semaphore;

/**
 * New passwords: Argon2id (OWASP's minimum: 19 MiB, 2 passes), stored in PHC form {@code $argon2id$v=19$...}.
 * Passwords stored by the Node server (128 hex characters, salt = a UUID string) are verified against both of
 * its formats, SHA-512(password + salt) and scrypt(N=16384, r=8, p=1, 64 bytes), and re-hashed on login.
 * See docs/adr/0002-password-hashing.md.
 */
public final class PasswordHasher {

    /** What goes into the users table: the encoded hash and the (legacy) salt column. */
    public record Stored(String hash, String salt) {
    }

    private static final String PREFIX = "$argon2id$v=19$m=19456,t=2,p=1$";
    private static final int MEMORY_KIB = 19_456;
    private static final int ITERATIONS = 2;
    private static final int SALT_BYTES = 16;
    private static final int HASH_BYTES = 32;
    private static final int LEGACY_HEX_LENGTH = 128;
    private static final Base64.Encoder B64 = Base64.getEncoder().withoutPadding();
    private static final Base64.Decoder B64_DECODER = Base64.getDecoder();

    private final SecureRandom random = new SecureRandom();
    /** Each Argon2id run takes 19 MiB: bound how many run at once so a login burst cannot exhaust the heap. */
    private final Semaphore concurrentHashes = new Semaphore(Math.max(2, Runtime.getRuntime().availableProcessors() * 2));
    /** Verified against when the e-mail is unknown, so both cases take the same time. */
    private final String decoyHash;

    public PasswordHasher() {
        decoyHash = hash("decoy password").hash();
    }

    public Stored hash(String password) {
        byte[] salt = new byte[SALT_BYTES];
        random.nextBytes(salt);
        return new Stored(PREFIX + B64.encodeToString(salt) + "$" + B64.encodeToString(argon2(password, salt)), "");
    }

    public boolean verify(String password, String storedHash, String salt) {
        if (storedHash == null) {
            return false;
        }
        if (storedHash.startsWith(PREFIX)) {
            return verifyArgon2(password, storedHash);
        }
        if (storedHash.length() == LEGACY_HEX_LENGTH && salt != null) {
            byte[] expected = HexFormat.of().parseHex(storedHash.toLowerCase());
            return MessageDigest.isEqual(expected, sha512(password + salt))
                    | MessageDigest.isEqual(expected, scrypt(password, salt));
        }
        return false;
    }

    /** Spends the same effort as a real verification, for unknown users. */
    public void verifyDecoy(String password) {
        verifyArgon2(password, decoyHash);
    }

    public boolean needsRehash(String storedHash) {
        return storedHash == null || !storedHash.startsWith(PREFIX);
    }

    private boolean verifyArgon2(String password, String encoded) {
        String[] parts = encoded.substring(PREFIX.length()).split("\\$");
        if (parts.length != 2) {
            return false;
        }
        try {
            byte[] salt = B64_DECODER.decode(parts[0]);
            return MessageDigest.isEqual(B64_DECODER.decode(parts[1]), argon2(password, salt));
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private byte[] argon2(String password, byte[] salt) {
        Argon2BytesGenerator generator = new Argon2BytesGenerator();
        generator.init(new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id)
                .withVersion(Argon2Parameters.ARGON2_VERSION_13)
                .withMemoryAsKB(MEMORY_KIB)
                .withIterations(ITERATIONS)
                .withParallelism(1)
                .withSalt(salt)
                .build());
        byte[] out = new byte[HASH_BYTES];
        concurrentHashes.acquireUninterruptibly();
        try {
            generator.generateBytes(password.getBytes(StandardCharsets.UTF_8), out);
        } finally {
            concurrentHashes.release();
        }
        return out;
    }

    private static byte[] sha512(String text) {
        try {
            return MessageDigest.getInstance("SHA-512").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-512 is part of every JDK", e);
        }
    }

    private static byte[] scrypt(String password, String salt) {
        return SCrypt.generate(password.getBytes(StandardCharsets.UTF_8), salt.getBytes(StandardCharsets.UTF_8),
                16_384, 8, 1, 64);
    }
}
