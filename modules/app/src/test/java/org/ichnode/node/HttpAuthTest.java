package org.ichnode.node;

import org.ichnode.core.net.FreePorts;
import org.ichnode.node.config.ConfigException;
import org.ichnode.node.config.Settings;
import org.ichnode.store.testing.TestH2;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Logins on the HTTP side over real HTTP: users with hashed passwords, roles, the API token, the audit trail. */
class HttpAuthTest {
    @TempDir Path tmp;
    private static final String TOKEN = "t0k3n-for-scripts-0123456789abcdef";
    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void pagesNeedALoginChangesNeedAnOperatorHealthStaysOpen() throws Exception {
        Path users = tmp.resolve("users.properties");
        HttpUsers.add(users, "vera", HttpUsers.Role.VIEWER, "viewer-secret-1".toCharArray());
        HttpUsers.add(users, "otto", HttpUsers.Role.OPERATOR, "operator-secret-2".toCharArray());
        assertFalse(Files.readString(users).contains("operator-secret-2"), "only a hash is stored");
        try (TestH2 h2 = new TestH2();
             IchNode node = new IchNode(Settings.load(null, Map.of(), List.of("db.url=" + h2.url(), "storage.dir=" + tmp.resolve("storage"),
                     "dicom.port=" + FreePorts.pick(), "http.port=" + FreePorts.pick(), "hl7.port=0", "storage.minFreeMb=0",
                     "model.dir=baseline", "retrain.enabled=false", "http.auth=on", "http.usersFile=" + users, "http.apiToken=" + TOKEN)))
                     .start()) {
            URI base = URI.create("http://127.0.0.1:" + node.httpPort());
            assertEquals(200, send("GET", base.resolve("/health"), null).statusCode(), "an orchestrator needs no login");
            HttpResponse<String> anonymous = send("GET", base.resolve("/"), null);
            assertEquals(401, anonymous.statusCode());
            assertTrue(anonymous.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Basic realm=\"ich-node\""));
            assertEquals(401, send("GET", base.resolve("/status"), null).statusCode());
            assertEquals(401, send("GET", base.resolve("/"), basic("vera", "wrong-password")).statusCode());
            assertEquals(401, send("GET", base.resolve("/"), basic("nobody", "viewer-secret-1")).statusCode());
            assertEquals(401, send("GET", base.resolve("/"), "Bearer not-the-token").statusCode());

            HttpResponse<String> page = send("GET", base.resolve("/"), basic("vera", "viewer-secret-1"));
            assertEquals(200, page.statusCode());
            assertTrue(page.body().contains("<h1>Studies</h1>"));
            assertEquals(403, send("POST", base.resolve("/retrain"), basic("vera", "viewer-secret-1")).statusCode(), "a viewer changes nothing");
            assertEquals(409, send("POST", base.resolve("/retrain"), basic("otto", "operator-secret-2")).statusCode(),
                    "an operator gets through to the endpoint (retraining is off on this node)");
            assertEquals(409, send("POST", base.resolve("/alerts/resend?alert=1"), "Bearer " + TOKEN).statusCode());

            String audit;
            try (var files = Files.list(tmp.resolve("storage/audit"))) {
                audit = Files.readString(files.findFirst().orElseThrow());
            }
            assertTrue(audit.contains("\"action\":\"login.failed\",\"actor\":\"127.0.0.1\""), audit);
            assertTrue(audit.contains("\"action\":\"login\",\"actor\":\"vera\""), audit);
            assertTrue(audit.contains("\"action\":\"http.forbidden\",\"actor\":\"vera\""), audit);
            assertTrue(audit.contains("\"action\":\"http.post\",\"actor\":\"otto@127.0.0.1\""), audit);
            assertFalse(audit.contains("secret"), "no password in the audit trail");
        }
    }

    @Test
    void aNodeThatNeedsLoginsButHasNoUserDoesNotStart() throws Exception {
        try (TestH2 h2 = new TestH2()) {
            IchNode node = new IchNode(Settings.load(null, Map.of(), List.of("db.url=" + h2.url(), "storage.dir=" + tmp.resolve("storage"),
                    "dicom.port=" + FreePorts.pick(), "http.port=" + FreePorts.pick(), "hl7.port=0", "storage.minFreeMb=0",
                    "model.dir=baseline", "retrain.enabled=false", "http.bind=0.0.0.0", "http.usersFile=" + tmp.resolve("none.properties"))));
            ConfigException e = assertThrows(ConfigException.class, node::start);
            node.close();
            assertEquals("http.auth", e.key());
            assertTrue(e.getMessage().contains("./ichnode users add"), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> HttpUsers.add(tmp.resolve("u"), "ann", HttpUsers.Role.VIEWER, "short".toCharArray()));
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    private HttpResponse<String> send(String method, URI uri, String authorization) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).method(method, HttpRequest.BodyPublishers.noBody());
        if (authorization != null) b.header("Authorization", authorization);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
