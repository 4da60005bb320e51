package org.ichnode.node;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.HexFormat;

/**
 * POSTs an alert's JSON to a webhook. With a secret, {@code X-Ichnode-Signature: sha256=<hex HMAC-SHA256 of the body>}
 * lets the receiver check where it came from. 2xx: delivered. 4xx other than 408 and 429: the receiver refuses this
 * request, not retried. Anything else (5xx, 408/429, no connection, timeout): retried by the caller.
 */
final class WebhookSender {
    static final String SIGNATURE_HEADER = "X-Ichnode-Signature";

    record Outcome(boolean delivered, boolean retryable, String detail) {}

    private final HttpClient http;
    private final Duration timeout;
    private final String secret;

    WebhookSender(Duration timeout, String secret) {
        this.timeout = timeout;
        this.secret = secret;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NEVER).build();
    }

    Outcome send(String url, String json, long alertId) {
        HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(url)).timeout(timeout)
                .header("Content-Type", "application/json")
                .header("X-Ichnode-Alert", Long.toString(alertId))
                .POST(HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8));
        if (!secret.isEmpty()) req.header(SIGNATURE_HEADER, "sha256=" + hmacSha256Hex(secret, json));
        try {
            HttpResponse<Void> r = http.send(req.build(), HttpResponse.BodyHandlers.discarding());
            int code = r.statusCode();
            String detail = "HTTP " + code;
            if (code >= 200 && code < 300) return new Outcome(true, false, detail);
            boolean refused = code >= 400 && code < 500 && code != 408 && code != 429;
            return new Outcome(false, !refused, detail);
        } catch (IOException e) {
            return new Outcome(false, true, "POST " + URI.create(url).getHost() + ": " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Outcome(false, true, "interrupted");
        }
    }

    static String hmacSha256Hex(String key, String body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(body.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }
}
