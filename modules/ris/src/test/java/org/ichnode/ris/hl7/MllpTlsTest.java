package org.ichnode.ris.hl7;

import org.ichnode.ris.alert.MllpAlertSender;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.*;

/** MLLP over TLS: our listener with a key made by keytool, HAPI's client (through MllpAlertSender) trusting it. */
class MllpTlsTest {
    @TempDir Path tmp;
    private static final char[] PW = "changeit-hl7".toCharArray();

    @Test
    void reportsTravelOverTlsAndPlainTcpIsRefused() throws Exception {
        Path ks = tmp.resolve("ris.p12");
        Process p = new ProcessBuilder("keytool", "-genkeypair", "-alias", "node", "-keyalg", "RSA", "-keysize", "2048", "-validity", "2",
                "-dname", "CN=localhost", "-ext", "SAN=dns:localhost,ip:127.0.0.1", "-storetype", "PKCS12", "-keystore", ks.toString(),
                "-storepass", new String(PW), "-keypass", new String(PW)).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        assertEquals(0, p.waitFor());
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(ks)) {
            store.load(in, PW);
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(store, PW);
        SSLContext server = SSLContext.getInstance("TLS");
        server.init(kmf.getKeyManagers(), null, null);
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("node", store.getCertificate("node"));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext client = SSLContext.getInstance("TLS");
        client.init(null, tmf.getTrustManagers(), null);

        List<IncomingReport> received = new CopyOnWriteArrayList<>();
        AtomicLong ids = new AtomicLong();
        try (MllpReportListener listener = new MllpReportListener(MllpReportListener.Settings.of(InetAddress.getLoopbackAddress(), 0)
                .withTls(server), r -> {
            received.add(r);
            return new ReportSink.Stored(ids.incrementAndGet(), false, null);
        }).start();
             MllpAlertSender sender = new MllpAlertSender(Duration.ofSeconds(5), client)) {
            String report = MllpReportListenerTest.oru("TLS0001", "ACC9001", "PAT42", "F", "2.5");
            MllpAlertSender.Outcome overTls = sender.send("localhost", listener.port(), report, true);
            assertTrue(overTls.delivered(), overTls.detail());
            assertEquals(1, received.size());
            MllpAlertSender.Outcome plain = sender.send("localhost", listener.port(), report.replace("TLS0001", "TLS0002"), false);
            assertFalse(plain.delivered(), "plain MLLP to the TLS port: " + plain.detail());
            assertEquals(1, received.size(), "nothing arrived in clear text");
        }
    }
}
