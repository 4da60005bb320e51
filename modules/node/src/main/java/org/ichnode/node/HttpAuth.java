package org.ichnode.node;

import io.javalin.http.Context;
import io.javalin.http.ForbiddenResponse;
import io.javalin.http.HandlerType;
import io.javalin.http.UnauthorizedResponse;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Who may use the HTTP side. When on, every request but {@code GET /health} needs HTTP Basic credentials of a user in
 * {@code http.usersFile} or {@code Authorization: Bearer <http.apiToken>}; changing anything (every POST) needs the
 * operator role (the token is an operator). A password check costs a PBKDF2 run, so a verified login is remembered for
 * ten minutes (by a hash, never the password). Logins (first per user and address each hour) and every refused attempt
 * go to the audit trail.
 */
final class HttpAuth {
    static final String USER = "ichnode.user";
    private static final Duration REMEMBER = Duration.ofMinutes(10);
    private static final Duration LOGIN_AUDIT_EVERY = Duration.ofHours(1);

    private final boolean required;
    private final HttpUsers users;
    private final byte[] apiToken;
    private final AuditLog audit;
    private final Map<String, Remembered> verified = new ConcurrentHashMap<>();
    private final Map<String, Instant> loginsAudited = new ConcurrentHashMap<>();

    private record Remembered(HttpUsers.User user, Instant until) {}

    HttpAuth(boolean required, HttpUsers users, String apiToken, AuditLog audit) {
        this.required = required;
        this.users = users;
        this.apiToken = apiToken.isEmpty() ? null : apiToken.getBytes(StandardCharsets.UTF_8);
        this.audit = audit;
    }

    boolean required() { return required; }

    /** The before-handler: lets the request through or throws 401/403. */
    void check(Context ctx) {
        if (!required || (ctx.method() == HandlerType.GET && ctx.path().equals("/health"))) return;
        String header = ctx.header("Authorization");
        Optional<HttpUsers.User> user = header == null ? Optional.empty() : authenticate(header);
        if (user.isEmpty()) {
            if (header != null) audit.record("login.failed", ctx.ip(), Map.of("path", ctx.path()));
            ctx.header("WWW-Authenticate", "Basic realm=\"ich-node\", charset=\"UTF-8\"");
            throw new UnauthorizedResponse("log in (HTTP Basic) or send Authorization: Bearer <http.apiToken>");
        }
        ctx.attribute(USER, user.get());
        String key = user.get().name() + "@" + ctx.ip();
        Instant last = loginsAudited.get(key);
        if (last == null || last.plus(LOGIN_AUDIT_EVERY).isBefore(Instant.now())) {
            loginsAudited.put(key, Instant.now());
            audit.record("login", user.get().name(), Map.of("from", ctx.ip(), "role", user.get().role().name().toLowerCase(java.util.Locale.ROOT)));
        }
        if (ctx.method() != HandlerType.GET && user.get().role() != HttpUsers.Role.OPERATOR) {
            audit.record("http.forbidden", user.get().name(), Map.of("from", ctx.ip(), "path", ctx.path()));
            throw new ForbiddenResponse("the operator role is needed to change anything");
        }
    }

    /** The logged-in user of a request, or null when authentication is off. */
    static HttpUsers.User user(Context ctx) { return ctx.attribute(USER); }

    private Optional<HttpUsers.User> authenticate(String header) {
        if (header.startsWith("Bearer ") && apiToken != null) {
            byte[] given = header.substring(7).trim().getBytes(StandardCharsets.UTF_8);
            return MessageDigest.isEqual(apiToken, given) ? Optional.of(new HttpUsers.User("api-token", HttpUsers.Role.OPERATOR)) : Optional.empty();
        }
        if (!header.startsWith("Basic ")) return Optional.empty();
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(header.substring(6).trim()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        int colon = decoded.indexOf(':');
        if (colon < 1) return Optional.empty();
        String key = sha256(decoded);
        Remembered r = verified.get(key);
        if (r != null && r.until().isAfter(Instant.now())) return Optional.of(r.user());
        Optional<HttpUsers.User> u = users.check(decoded.substring(0, colon), decoded.substring(colon + 1));
        u.ifPresent(x -> verified.put(key, new Remembered(x, Instant.now().plus(REMEMBER))));
        return u;
    }

    private static String sha256(String s) {
        try {
            return Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
