package org.ichnode.dicom.net;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;

/**
 * TLS for the node's listeners: the key and certificate from a PKCS#12 key store, optionally a trust store whose
 * certificates a client's certificate must chain to, TLS 1.3 and 1.2 only (the protocols of the DICOM BCP 195
 * profiles; the JDK's default cipher suites for them are the profile's).
 */
public final class Tls {
    static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

    /** @param requireClientCertificate a peer without a certificate chaining to the trust store is refused in the handshake */
    public record Server(SSLContext context, boolean requireClientCertificate) {}

    private Tls() {}

    /**
     * @param keyStore   null: no certificate of our own (a client that is not asked for one)
     * @param trustStore null: the JDK's default CAs for servers we connect to; no client certificates accepted
     */
    public static SSLContext context(Path keyStore, char[] keyStorePassword, Path trustStore, char[] trustStorePassword) throws IOException {
        try {
            KeyManagerFactory kmf = null;
            if (keyStore != null) {
                kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(load(keyStore, keyStorePassword), keyStorePassword);
            }
            TrustManagerFactory tmf = null;
            if (trustStore != null) {
                tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(load(trustStore, trustStorePassword));
            }
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf == null ? null : tmf.getTrustManagers(), null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IOException("TLS key or trust store unusable: " + e.getMessage(), e);
        }
    }

    /** An unbound server socket speaking TLS only. */
    static ServerSocket serverSocket(Server tls) throws IOException {
        SSLServerSocket s = (SSLServerSocket) tls.context().getServerSocketFactory().createServerSocket();
        s.setEnabledProtocols(PROTOCOLS);
        s.setNeedClientAuth(tls.requireClientCertificate());
        return s;
    }

    /**
     * TLS over a connected socket to a server: TLS 1.3/1.2, the server's certificate checked against the trust and
     * against the host name (its subject alternative names), the handshake done before any DICOM is sent.
     */
    static java.net.Socket clientSocket(SSLContext context, java.net.Socket connected, String host, int port) throws IOException {
        if (context == null) throw new IOException("this destination needs TLS, but the node has no TLS configured (tls.keyStore / tls.trustStore)");
        javax.net.ssl.SSLSocket s = (javax.net.ssl.SSLSocket) context.getSocketFactory().createSocket(connected, host, port, true);
        s.setEnabledProtocols(PROTOCOLS);
        javax.net.ssl.SSLParameters p = s.getSSLParameters();
        p.setEndpointIdentificationAlgorithm("HTTPS"); // the host name must be in the certificate
        s.setSSLParameters(p);
        s.setUseClientMode(true);
        s.startHandshake();
        return s;
    }

    private static KeyStore load(Path file, char[] password) throws IOException, GeneralSecurityException {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(file)) {
            ks.load(in, password);
        }
        return ks;
    }
}
