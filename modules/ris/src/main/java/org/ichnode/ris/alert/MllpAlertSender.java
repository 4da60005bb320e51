package org.ichnode.ris.alert;

import ca.uhn.hl7v2.DefaultHapiContext;
import ca.uhn.hl7v2.HL7Exception;
import ca.uhn.hl7v2.HapiContext;
import ca.uhn.hl7v2.app.Connection;
import ca.uhn.hl7v2.llp.LLPException;
import ca.uhn.hl7v2.model.Message;
import ca.uhn.hl7v2.parser.CanonicalModelClassFactory;
import ca.uhn.hl7v2.util.Terser;
import ca.uhn.hl7v2.validation.impl.ValidationContextFactory;

import java.io.IOException;
import java.time.Duration;

/**
 * Sends a rendered HL7 v2 message over MLLP with HAPI's client and reads the acknowledgement. AA/CA: delivered.
 * AR/CR (the receiver refuses this message): not retryable. AE/CE, no answer, a refused or broken connection: retried
 * by the caller.
 */
public final class MllpAlertSender implements AutoCloseable {

    /** How one attempt ended. @param retryable meaningful when not delivered */
    public record Outcome(boolean delivered, boolean retryable, String detail) {}

    private final HapiContext hapi;
    private final Duration timeout;

    public MllpAlertSender(Duration timeout) {
        this(timeout, null);
    }

    /** @param tls trust (and our certificate) for destinations reached over TLS; null: TLS destinations fail */
    public MllpAlertSender(Duration timeout, javax.net.ssl.SSLContext tls) {
        this.timeout = timeout;
        hapi = new DefaultHapiContext(new CanonicalModelClassFactory("2.5"));
        if (tls != null) {
            hapi.setSocketFactory(new ca.uhn.hl7v2.util.StandardSocketFactory() {
                @Override
                public java.net.Socket createTlsSocket() throws IOException {
                    javax.net.ssl.SSLSocket s = (javax.net.ssl.SSLSocket) tls.getSocketFactory().createSocket();
                    s.setEnabledProtocols(new String[] {"TLSv1.3", "TLSv1.2"});
                    javax.net.ssl.SSLParameters p = s.getSSLParameters();
                    p.setEndpointIdentificationAlgorithm("HTTPS"); // the RIS's certificate must name the host we dial
                    s.setSSLParameters(p);
                    return s;
                }
            });
        }
        hapi.setValidationContext(ValidationContextFactory.noValidation());
        hapi.getParserConfiguration().setIdGenerator(() -> "unused"); // the default one writes a file into the working directory
    }

    public Outcome send(String host, int port, String message) {
        return send(host, port, message, false);
    }

    /** @param tls MLLP over TLS (the destination was written host:port/tls) */
    public Outcome send(String host, int port, String message, boolean tls) {
        Connection connection = null;
        try {
            Message m = hapi.getPipeParser().parse(message);
            connection = hapi.newClient(host, port, tls);
            connection.getInitiator().setTimeout(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            Message ack = connection.getInitiator().sendAndReceive(m);
            Terser t = new Terser(ack);
            String code = t.get("/MSA-1");
            String text = t.get("/MSA-3");
            String detail = "MSA-1 " + code + (text == null ? "" : ": " + text);
            if ("AA".equals(code) || "CA".equals(code)) return new Outcome(true, false, detail);
            return new Outcome(false, !("AR".equals(code) || "CR".equals(code)), detail);
        } catch (HL7Exception e) {
            return new Outcome(false, true, "HL7: " + e.getMessage());
        } catch (LLPException | IOException e) {
            return new Outcome(false, true, "MLLP to " + host + ":" + port + ": " + e.getMessage());
        } finally {
            if (connection != null) {
                try {
                    connection.close();
                } catch (RuntimeException | java.io.IOException e) {
                    // the answer is in; a close that fails changes nothing about it
                }
            }
        }
    }

    @Override
    public void close() {
        try {
            hapi.close();
        } catch (IOException e) {
            // nothing is held that outlives the process
        }
    }
}
