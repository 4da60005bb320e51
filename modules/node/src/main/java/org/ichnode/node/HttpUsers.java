package org.ichnode.node;

import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;

/**
 * The people who may use the HTTP side, in a properties file: {@code name=role:iterations:salt:hash} with the password
 * hashed by PBKDF2-HMAC-SHA256 (salt and hash Base64). Roles: {@code viewer} reads the dashboard and status;
 * {@code operator} may also change things (re-send, activate a model, retrain). Written by
 * {@code ./ichnode users add NAME --role ROLE}; read by the node at start.
 */
public final class HttpUsers {
    public enum Role { VIEWER, OPERATOR }

    public record User(String name, Role role) {}

    static final int ITERATIONS = 210_000; // OWASP's figure for PBKDF2-HMAC-SHA256

    private final Map<String, String[]> entries;

    private HttpUsers(Map<String, String[]> entries) {
        this.entries = entries;
    }

    public static HttpUsers none() { return new HttpUsers(Map.of()); }

    /** The users in {@code file}; none when it does not exist. */
    public static HttpUsers load(Path file) throws IOException {
        Map<String, String[]> m = new TreeMap<>();
        if (!Files.isRegularFile(file)) return new HttpUsers(m);
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(r);
        }
        for (String name : p.stringPropertyNames()) {
            String[] f = p.getProperty(name).split(":");
            if (f.length != 4) throw new IOException(file + ": entry for '" + name + "' is not role:iterations:salt:hash");
            Role.valueOf(f[0].toUpperCase(Locale.ROOT));
            m.put(name, f);
        }
        return new HttpUsers(m);
    }

    public boolean isEmpty() { return entries.isEmpty(); }

    /** The user, when the password is right (constant time in the hash comparison). */
    public Optional<User> check(String name, String password) {
        String[] f = entries.get(name);
        if (f == null) {
            hash(password, new byte[16], ITERATIONS); // as slow as a real check: no user enumeration by timing
            return Optional.empty();
        }
        byte[] expected = Base64.getDecoder().decode(f[3]);
        byte[] actual = hash(password, Base64.getDecoder().decode(f[2]), Integer.parseInt(f[1]));
        return MessageDigest.isEqual(expected, actual) ? Optional.of(new User(name, Role.valueOf(f[0].toUpperCase(Locale.ROOT))))
                : Optional.empty();
    }

    /** Adds or replaces a user in {@code file} (created with owner-only permissions where the file system has them). */
    public static void add(Path file, String name, Role role, char[] password) throws IOException {
        if (!name.matches("[A-Za-z0-9._@-]{1,64}")) throw new IllegalArgumentException("user names are 1-64 of A-Z a-z 0-9 . _ @ -");
        if (password.length < 10) throw new IllegalArgumentException("passwords have at least 10 characters");
        Properties p = new Properties();
        if (Files.isRegularFile(file)) {
            try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                p.load(r);
            }
        }
        byte[] salt = new byte[16];
        new SecureRandom().nextBytes(salt);
        p.setProperty(name, role.name().toLowerCase(Locale.ROOT) + ":" + ITERATIONS + ":" + Base64.getEncoder().encodeToString(salt) + ":"
                + Base64.getEncoder().encodeToString(hash(new String(password), salt, ITERATIONS)));
        if (file.getParent() != null) Files.createDirectories(file.getParent());
        if (!Files.exists(file)) {
            Files.createFile(file);
            try {
                Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException e) {
                // not a POSIX file system
            }
        }
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            p.store(w, "ich-node HTTP users: name=role:iterations:salt:hash (PBKDF2-HMAC-SHA256); ./ichnode users add");
        }
    }

    private static byte[] hash(String password, byte[] salt, int iterations) {
        try {
            return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256")
                    .generateSecret(new PBEKeySpec(password.toCharArray(), salt, iterations, 256)).getEncoded();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("PBKDF2WithHmacSHA256 is part of every JDK", e);
        }
    }
}
