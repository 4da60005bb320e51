package org.ichnode.node;

import org.ichnode.core.net.FreePorts;
import org.ichnode.node.config.Settings;
import org.ichnode.dicom.spool.InstanceHeader;
import org.ichnode.dicom.testing.Tools;
import org.ichnode.store.StoreQueries;
import org.ichnode.store.testing.TestH2;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * DICOM over TLS with DCMTK's storescu (OpenSSL) as the peer, HTTPS with the JDK's client; certificates made here
 * with keytool and openssl. Plain TCP to a TLS port stores nothing; with client certificates required, a peer without
 * one is refused in the handshake.
 */
class TlsTest {
    @TempDir Path tmp;
    private static final String PW = "changeit-tls";

    @Test
    void dicomAndHttpSpeakTlsOnly() throws Exception {
        Path server = certificate("node", "localhost");
        List<Path> study = Phantoms.study(tmp.resolve("ct"), false).subList(0, 4);
        try (TestH2 h2 = new TestH2();
             IchNode node = new IchNode(Settings.load(null, Map.of(), List.of("db.url=" + h2.url(), "storage.dir=" + tmp.resolve("storage"),
                     "dicom.port=" + FreePorts.pick(), "http.port=" + FreePorts.pick(), "hl7.port=0", "storage.minFreeMb=0",
                     "model.dir=baseline", "retrain.enabled=false", "worker.threads=0", "dicom.tls=true", "http.tls=true",
                     "tls.keyStore=" + server.resolve("keystore.p12"), "tls.keyStorePassword=" + PW))).start()) {
            Tools.Result plain = storescu(node, List.of(), study.subList(0, 1));
            assertNotEquals(0, plain.exitCode(), "plain TCP to the TLS port: " + plain.output());
            Tools.Result tls = storescu(node, List.of("+tla", "+cf", server.resolve("cert.pem").toString()), study);
            assertEquals(0, tls.exitCode(), tls.output());
            StoreQueries q = new StoreQueries(node.database());
            assertEquals(study.size(), q.findSeries(InstanceHeader.read(study.get(0)).seriesInstanceUid()).orElseThrow().getInstanceCount());

            HttpClient https = HttpClient.newBuilder().sslContext(trusting(server.resolve("cert.pem"))).connectTimeout(Duration.ofSeconds(5)).build();
            HttpResponse<String> health = https.send(HttpRequest.newBuilder(URI.create("https://localhost:" + node.httpPort() + "/health")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, health.statusCode(), health.body());
            try { // plain HTTP to the HTTPS port: refused one way or another, never the page
                HttpResponse<String> plainHttp = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://localhost:" + node.httpPort() + "/health")).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
                assertNotEquals(200, plainHttp.statusCode(), plainHttp.body());
            } catch (java.io.IOException expected) {
                // closed by the TLS connector
            }
        }
    }

    @Test
    void clientCertificatesAreRequiredWhenConfigured() throws Exception {
        Path server = certificate("node", "localhost");
        Path client = certificate("pacs", "pacs.hospital.test");
        Path trust = tmp.resolve("trust.p12");
        run("keytool", "-importcert", "-noprompt", "-alias", "pacs", "-file", client.resolve("cert.pem").toString(), "-keystore", trust.toString(),
                "-storetype", "PKCS12", "-storepass", PW);
        List<Path> study = Phantoms.study(tmp.resolve("ct"), false).subList(0, 2);
        try (TestH2 h2 = new TestH2();
             IchNode node = new IchNode(Settings.load(null, Map.of(), List.of("db.url=" + h2.url(), "storage.dir=" + tmp.resolve("storage"),
                     "dicom.port=" + FreePorts.pick(), "http.port=0", "hl7.port=0", "storage.minFreeMb=0", "model.dir=baseline",
                     "retrain.enabled=false", "worker.threads=0", "dicom.tls=true", "dicom.tlsClientAuth=true",
                     "tls.keyStore=" + server.resolve("keystore.p12"), "tls.keyStorePassword=" + PW,
                     "tls.trustStore=" + trust, "tls.trustStorePassword=" + PW))).start()) {
            Tools.Result anonymous = storescu(node, List.of("+tla", "+cf", server.resolve("cert.pem").toString()), study);
            assertNotEquals(0, anonymous.exitCode(), "no client certificate: " + anonymous.output());
            Tools.Result withCert = storescu(node, List.of("+tls", client.resolve("key.pem").toString(), client.resolve("cert.pem").toString(),
                    "+cf", server.resolve("cert.pem").toString()), study);
            assertEquals(0, withCert.exitCode(), withCert.output());
        }
    }

    /** Results go to a PACS that speaks TLS only (DCMTK storescp +tls), which checks the node's certificate. */
    @Test
    void resultsAreDeliveredOverTlsToAPeerMarkedTls() throws Exception {
        Path nodePki = certificate("node", "localhost");
        Path pacsPki = certificate("pacs", "localhost");
        Path trust = tmp.resolve("node-trust.p12");
        run("keytool", "-importcert", "-noprompt", "-alias", "pacs", "-file", pacsPki.resolve("cert.pem").toString(), "-keystore", trust.toString(),
                "-storetype", "PKCS12", "-storepass", PW);
        Path received = Files.createDirectories(tmp.resolve("pacs-received"));
        int pacsPort = FreePorts.pick();
        Process storescp = new ProcessBuilder("storescp", "+tls", pacsPki.resolve("key.pem").toString(), pacsPki.resolve("cert.pem").toString(),
                "+cf", nodePki.resolve("cert.pem").toString(), "-aet", "PACS", "-od", received.toString(), String.valueOf(pacsPort))
                .redirectErrorStream(true).redirectOutput(tmp.resolve("storescp.log").toFile()).start();
        List<Path> study = Phantoms.study(tmp.resolve("ct"), true);
        try (TestH2 h2 = new TestH2();
             IchNode node = new IchNode(Settings.load(null, Map.of(), List.of("db.url=" + h2.url(), "storage.dir=" + tmp.resolve("storage"),
                     "dicom.port=" + FreePorts.pick(), "http.port=0", "hl7.port=0", "storage.minFreeMb=0", "model.dir=baseline",
                     "retrain.enabled=false", "series.stableSeconds=1", "results.overlay=false",
                     "dicom.peers=PACS@127.0.0.1:" + pacsPort + "/tls", "delivery.destinations=PACS",
                     "tls.keyStore=" + nodePki.resolve("keystore.p12"), "tls.keyStorePassword=" + PW,
                     "tls.trustStore=" + trust, "tls.trustStorePassword=" + PW))).start()) {
            assertEquals(0, storescu(node, List.of(), study).exitCode());
            org.ichnode.store.DeliveryQueue d = new org.ichnode.store.DeliveryQueue(node.database());
            long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            while (System.nanoTime() < deadline && d.countsByState().get(org.ichnode.store.DeliveryState.DELIVERED) < 2) Thread.sleep(200);
            assertEquals(2L, d.countsByState().get(org.ichnode.store.DeliveryState.DELIVERED), "SEG and SR delivered over TLS: "
                    + d.countsByState() + "\n" + Files.readString(tmp.resolve("storescp.log")));
            try (var files = Files.list(received)) {
                assertEquals(2, files.count(), "storescp wrote the SEG and the SR");
            }
        } finally {
            storescp.destroy();
            storescp.waitFor();
        }
    }

    /** A self-signed RSA certificate for CN (with SAN localhost and 127.0.0.1): keystore.p12, cert.pem, key.pem. */
    private Path certificate(String alias, String cn) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("pki-" + alias));
        Path ks = dir.resolve("keystore.p12");
        run("keytool", "-genkeypair", "-alias", alias, "-keyalg", "RSA", "-keysize", "2048", "-validity", "2", "-dname", "CN=" + cn,
                "-ext", "SAN=dns:localhost,ip:127.0.0.1,dns:" + cn, "-storetype", "PKCS12", "-keystore", ks.toString(), "-storepass", PW, "-keypass", PW);
        run("keytool", "-exportcert", "-rfc", "-alias", alias, "-keystore", ks.toString(), "-storepass", PW, "-file", dir.resolve("cert.pem").toString());
        run("openssl", "pkcs12", "-in", ks.toString(), "-nocerts", "-nodes", "-passin", "pass:" + PW, "-out", dir.resolve("key.pem").toString());
        return dir;
    }

    private static SSLContext trusting(Path pem) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        try (InputStream in = Files.newInputStream(pem)) {
            ks.setCertificateEntry("node", java.security.cert.CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }

    private static Tools.Result storescu(IchNode node, List<String> tls, List<Path> files) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("storescu"));
        cmd.addAll(tls);
        cmd.addAll(List.of("-to", "10", "-aet", "PACS", "-aec", "ICHNODE", "127.0.0.1", String.valueOf(node.dicomPort())));
        files.forEach(f -> cmd.add(f.toString()));
        return Tools.run(cmd, 60);
    }

    private static void run(String... cmd) throws Exception {
        Tools.Result r = Tools.run(List.of(cmd));
        assertEquals(0, r.exitCode(), String.join(" ", cmd) + "\n" + r.output());
    }
}
