package org.ichnode.ris.hl7;

import static org.junit.jupiter.api.Assertions.*;

import ca.uhn.hl7v2.DefaultHapiContext;
import ca.uhn.hl7v2.HapiContext;
import ca.uhn.hl7v2.app.Connection;
import ca.uhn.hl7v2.model.Message;
import ca.uhn.hl7v2.parser.CanonicalModelClassFactory;
import ca.uhn.hl7v2.util.Terser;
import ca.uhn.hl7v2.validation.impl.ValidationContextFactory;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The MLLP listener over real sockets, with HAPI's own client sending; the sink records what it is given. */
class MllpReportListenerTest {

    /** A final head CT report as a RIS sends it: ORC, OBR with accession in OBR-18, report lines in OBX TX, an NTE. */
    static String oru(String controlId, String accession, String patientId, String status, String version) {
        return String.join("\r",
                "MSH|^~\\&|RIS|CITYHOSP|ICHNODE|NEURO|20250301103000||ORU^R01|" + controlId + "|P|" + version,
                "PID|1||" + patientId + "^^^CITYHOSP^MR~998877^^^NATION^NI||DOE^JANE||19600101|F",
                "PV1|1|E|ER^01",
                "ORC|RE|PL123|" + accession + "||CM",
                "OBR|1|PL123|" + accession + "|CTHEAD^CT HEAD WO CONTRAST^L|||20250301094500|||||||||DRS^SMITH^ANNE||"
                        + accession + "||||20250301102900||CT|" + status,
                "OBX|1|TX|CTHEAD^CT HEAD REPORT^L|1|FINDINGS: There is an acute subdural hematoma along the left convexity.||||||" + status,
                "OBX|2|TX|CTHEAD^CT HEAD REPORT^L|2|No midline shift.||||||" + status,
                "OBX|3|FT|IMP^IMPRESSION^L|3|IMPRESSION:\\.br\\Acute left SDH.||||||" + status,
                "NTE|1|L|Dr. Smith was notified at 10:25.") + "\r";
    }

    private final List<IncomingReport> received = new CopyOnWriteArrayList<>();
    private final AtomicReference<Exception> failWith = new AtomicReference<>();
    private final AtomicLong ids = new AtomicLong();
    private MllpReportListener listener;
    private HapiContext client;
    private Connection connection;

    @BeforeEach
    void start() throws Exception {
        ReportSink sink = r -> {
            Exception e = failWith.get();
            if (e != null) throw e;
            received.add(r);
            return new ReportSink.Stored(ids.incrementAndGet(), false, "not linked yet");
        };
        listener = new MllpReportListener(MllpReportListener.Settings.of(InetAddress.getLoopbackAddress(), 0), sink).start();
        client = new DefaultHapiContext(new CanonicalModelClassFactory("2.5"));
        client.getParserConfiguration().setIdGenerator(new ca.uhn.hl7v2.util.idgenerator.InMemoryIDGenerator()); // no id_file in the working folder
        client.setValidationContext(ValidationContextFactory.noValidation());
        connection = client.newClient("127.0.0.1", listener.port(), false);
    }

    @AfterEach
    void stop() throws Exception {
        if (connection != null) connection.close();
        if (client != null) client.close();
        if (listener != null) listener.close();
    }

    /** Sends a message text with HAPI's client; the raw text is parsed by the client first, as a sending system would. */
    private Message send(String text) throws Exception {
        Message m = client.getPipeParser().parse(text);
        return connection.getInitiator().sendAndReceive(m);
    }

    /** Sends bytes HAPI's client would refuse to build (not a parsable message) in MLLP framing, returns the ACK text. */
    private String sendRaw(String text) throws Exception {
        try (Socket s = new Socket("127.0.0.1", listener.port())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(0x0b);
            out.write(text.getBytes(StandardCharsets.UTF_8));
            out.write(new byte[] {0x1c, 0x0d});
            out.flush();
            InputStream in = s.getInputStream();
            StringBuilder b = new StringBuilder();
            int c;
            while ((c = in.read()) != -1 && c != 0x1c) {
                if (c != 0x0b) b.append((char) c);
            }
            return b.toString();
        }
    }

    /**
     * Found by {@code ./ichnode fuzz hl7}: HAPI's parse errors end with the first 50 characters of the message, which
     * carry PID-3, and its MSH-18 detection logged a stack trace per unparsable frame and killed the connection's thread
     * on frames of 1 to 3 bytes. Now one line without message text, and the connection answers.
     */
    @Test
    void unparsableMessagesLogNoMessageTextAndNoStackTrace() throws Exception {
        ch.qos.logback.classic.Logger root = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        // the listener's threads log while the test reads: a thread-safe list, not logback's ListAppender (an ArrayList)
        List<ch.qos.logback.classic.spi.ILoggingEvent> events = new CopyOnWriteArrayList<>();
        ch.qos.logback.core.AppenderBase<ch.qos.logback.classic.spi.ILoggingEvent> seen = new ch.qos.logback.core.AppenderBase<>() {
            @Override protected void append(ch.qos.logback.classic.spi.ILoggingEvent e) { events.add(e); }
        };
        seen.start();
        root.addAppender(seen);
        try {
            // MSH-2 broken so HAPI cannot tell the encoding; PID-3 right behind it
            String ack = sendRaw("MSH|^~\\&BRIS|CITYHOSP|ICHNODE|NEURO|20250301103000||ORU^R01|MSG77|P|2.5\rPID|1||SECRET4711^^^CITYHOSP^MR\r");
            assertTrue(ack.contains("MSA|AE"), ack);
            assertTrue(sendRaw("S").contains("MSA|AE"), "a one-byte frame is answered, its thread lives on");
        } finally {
            root.detachAppender(seen);
        }
        for (ch.qos.logback.classic.spi.ILoggingEvent e : events) {
            assertFalse(e.getFormattedMessage().contains("SECRET4711"), "no message text in the log: " + e.getFormattedMessage());
            assertNull(e.getThrowableProxy(), "no stack trace: " + e.getLoggerName() + " " + e.getFormattedMessage());
        }
        assertEquals("message could not be parsed: Determine encoding for message.",
                "message could not be parsed: " + MllpReportListener.withoutExcerpt("Determine encoding for message. The following is the first 50 "
                        + "chars of the message for reference, although this may not be where the issue is: MSH|^~"));
    }

    private static String msa(Message ack, int field) throws Exception {
        return new Terser(ack).get("MSA-" + field);
    }

    /**
     * A frame that never ends (it was read whole into memory: 512 MB ended the JVM) closes its connection at the
     * limit; the next connection's report is accepted.
     */
    @Test
    void aMessageWithoutEndIsCutAtTheLimitAndTheListenerGoesOn() throws Exception {
        listener.close();
        listener = new MllpReportListener(MllpReportListener.Settings.of(InetAddress.getLoopbackAddress(), 0).withMaxMessageBytes(1 << 20),
                r -> new ReportSink.Stored(ids.incrementAndGet(), false, null)).start();
        long sent = 0;
        boolean closedByNode = false;
        try (Socket s = new Socket("127.0.0.1", listener.port())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(0x0b);
            out.write("MSH|^~\\&|RIS|HOSP|ICHNODE|NEURO|20261123120000||ORU^R01^ORU_R01|BIG1|P|2.5.1\rOBX|1|TX|X||".getBytes(StandardCharsets.US_ASCII));
            byte[] chunk = new byte[64 * 1024];
            java.util.Arrays.fill(chunk, (byte) 'A');
            try {
                while (sent < (64L << 20)) {
                    out.write(chunk);
                    sent += chunk.length;
                }
            } catch (java.io.IOException e) {
                closedByNode = true; // the node closed the connection: broken pipe / reset
            }
            if (!closedByNode) closedByNode = s.getInputStream().read() == -1;
        } catch (java.net.SocketException e) {
            closedByNode = true;
        }
        assertTrue(closedByNode, "the node closed the connection");
        assertTrue(sent < (64L << 20), "cut before 64 MB: " + sent);
        connection.close();
        connection = client.newClient("127.0.0.1", listener.port(), false);
        assertEquals("AA", msa(send(oru("MSG0100", "ACC2001", "PAT42", "F", "2.5")), 1));
    }

    /** Connections left open and idle (16 of them locked reports out for 30 minutes) make room for a new sender. */
    @Test
    void idleConnectionsMakeRoomForANewSender() throws Exception {
        connection.close();
        listener.close();
        listener = new MllpReportListener(new MllpReportListener.Settings(InetAddress.getLoopbackAddress(), 0, 2, java.time.Duration.ofMinutes(30),
                StandardCharsets.UTF_8, MllpReportListener.Settings.DEFAULT_ACCESSION_FIELDS, 1 << 20, SenderAllowlist.anyone(), null),
                r -> {
                    received.add(r);
                    return new ReportSink.Stored(ids.incrementAndGet(), false, null);
                }).start();
        try (Socket idle1 = new Socket("127.0.0.1", listener.port()); Socket idle2 = new Socket("127.0.0.1", listener.port())) {
            Thread.sleep(MllpReportListener.EVICT_IDLE_AFTER.toMillis() + 1000);
            connection = client.newClient("127.0.0.1", listener.port(), false);
            assertEquals("AA", msa(send(oru("MSG0300", "ACC4001", "PAT42", "F", "2.5")), 1), "the new sender got a slot");
            idle1.setSoTimeout(5000);
            idle2.setSoTimeout(5000);
            boolean oneClosed = false;
            for (Socket s : List.of(idle1, idle2)) {
                try {
                    if (s.getInputStream().read() == -1) oneClosed = true;
                } catch (java.net.SocketTimeoutException stillOpen) {
                    // this one kept its slot
                } catch (java.io.IOException reset) {
                    oneClosed = true;
                }
            }
            assertTrue(oneClosed, "the longest idle connection was closed");
        }
    }

    /** Only allowed senders feed the training labels: by MSH-3^MSH-4, and by the connection's address. */
    @Test
    void reportsFromSendersNotOnTheAllowlistAreRefusedAndNotStored() throws Exception {
        restartWith(SenderAllowlist.parse("RIS^CITYHOSP@127.0.0.1, PACSRIS"));
        assertEquals("AA", msa(send(oru("MSG0200", "ACC3001", "PAT42", "F", "2.5")), 1), "RIS^CITYHOSP from 127.0.0.1");
        Message refused = send(oru("MSG0201", "ACC3002", "PAT42", "F", "2.5").replace("|RIS|CITYHOSP|", "|EVIL|ELSEWHERE|"));
        assertEquals("AR", msa(refused, 1));
        assertTrue(msa(refused, 3) == null || msa(refused, 3).contains("not allowed"), msa(refused, 3));
        assertEquals(1, received.size(), "nothing of the refused sender is stored");

        restartWith(SenderAllowlist.parse("RIS^CITYHOSP@192.0.2.7")); // the right MSH from the wrong address
        assertEquals("AR", msa(send(oru("MSG0202", "ACC3003", "PAT42", "F", "2.5")), 1));
        assertEquals(1, received.size());
        assertThrows(IllegalArgumentException.class, () -> SenderAllowlist.parse(" , "));
        assertThrows(IllegalArgumentException.class, () -> SenderAllowlist.parse("RIS@no-such-host.invalid"));
    }

    private void restartWith(SenderAllowlist senders) throws Exception {
        connection.close();
        listener.close();
        ReportSink sink = r -> {
            received.add(r);
            return new ReportSink.Stored(ids.incrementAndGet(), false, null);
        };
        listener = new MllpReportListener(MllpReportListener.Settings.of(InetAddress.getLoopbackAddress(), 0).withAllowedSenders(senders), sink).start();
        connection = client.newClient("127.0.0.1", listener.port(), false);
    }

    @Test
    void goodReportIsAcceptedAfterTheSinkStoredIt() throws Exception {
        Message ack = send(oru("MSG0001", "ACC1001", "PAT42", "F", "2.5"));
        assertEquals("AA", msa(ack, 1));
        assertEquals("MSG0001", msa(ack, 2));
        assertTrue(msa(ack, 3).contains("report 1 stored"), msa(ack, 3));
        assertEquals(1, received.size());
        IncomingReport r = received.get(0);
        assertEquals("ACC1001", r.accessionNumber());
        assertNull(r.studyInstanceUid());
        assertEquals("PAT42", r.patientId(), "the MR identifier of PID-3");
        assertEquals("F", r.resultStatus());
        assertEquals("MSG0001", r.messageControlId());
        assertEquals("RIS^CITYHOSP", r.sender());
        assertEquals(1, r.messagePart());
        assertEquals("2.5", r.hl7Version());
        assertNotNull(r.observationTime());
        assertNotNull(r.resultTime());
        assertEquals("FINDINGS: There is an acute subdural hematoma along the left convexity.\nNo midline shift.\n"
                + "IMPRESSION:\nAcute left SDH.\nDr. Smith was notified at 10:25.", r.text());
    }

    @Test
    void olderVersionsAndSeveralMessagesOnOneConnection() throws Exception {
        assertEquals("AA", msa(send(oru("V23-1", "ACC2001", "PAT1", "F", "2.3")), 1));
        assertEquals("AA", msa(send(oru("V231-1", "ACC2002", "PAT2", "C", "2.3.1")), 1));
        assertEquals("AA", msa(send(oru("V251-1", "ACC2003", "PAT3", "P", "2.5.1")), 1));
        assertEquals(List.of("ACC2001", "ACC2002", "ACC2003"), received.stream().map(IncomingReport::accessionNumber).toList());
        assertEquals(List.of("F", "C", "P"), received.stream().map(IncomingReport::resultStatus).toList());
    }

    @Test
    void accessionFallsBackToTheFillerOrderNumberAndStudyUidComesFromZds() throws Exception {
        String msg = oru("MSG0002", "ACC3001", "PAT5", "F", "2.5")
                .replace("|ACC3001||||20250301102900", "|||||20250301102900") // empty OBR-18
                + "ZDS|1.2.840.113619.2.55.3.12345^RIS^Application^DICOM\r";
        assertEquals("AA", msa(send(msg), 1));
        IncomingReport r = received.get(0);
        assertEquals("ACC3001", r.accessionNumber(), "OBR-3");
        assertEquals("1.2.840.113619.2.55.3.12345", r.studyInstanceUid());
    }

    @Test
    void studyUidInAnObxIsEnoughToLink() throws Exception {
        String msg = oru("MSG0003", "", "PAT6", "F", "2.5")
                .replace("ORC|RE|PL123|||CM", "ORC|RE|PL123|||CM")
                .replace("OBR|1|PL123||", "OBR|1|PL123||")
                + "OBX|4|ST|113014^DICOM Study^DCM||1.2.3.4.5.6.7||||||F\r";
        Message ack = send(msg);
        assertEquals("AA", msa(ack, 1), msa(ack, 3));
        assertNull(received.get(0).accessionNumber());
        assertEquals("1.2.3.4.5.6.7", received.get(0).studyInstanceUid());
        assertFalse(received.get(0).text().contains("1.2.3.4.5.6.7"), "the UID is no report text");
    }

    @Test
    void unlinkableReportIsRefusedWithAE() throws Exception {
        Message ack = send(oru("MSG0004", "", "PAT7", "F", "2.5"));
        assertEquals("AE", msa(ack, 1));
        assertEquals("MSG0004", msa(ack, 2));
        assertTrue(msa(ack, 3).contains("no accession number or Study Instance UID"), msa(ack, 3));
        assertEquals("101", new Terser(ack).get("ERR-3-1"), "required field missing");
        assertTrue(received.isEmpty());
    }

    @Test
    void missingRequiredFieldsAreRefusedWithAE() throws Exception {
        Message noStatus = send(oru("MSG0005", "ACC5001", "PAT8", "", "2.5"));
        assertEquals("AE", msa(noStatus, 1));
        assertTrue(msa(noStatus, 3).contains("OBR-25"), msa(noStatus, 3));

        Message badStatus = send(oru("MSG0006", "ACC5002", "PAT8", "Y", "2.5"));
        assertEquals("AE", msa(badStatus, 1));
        assertTrue(msa(badStatus, 3).contains("'Y'"), msa(badStatus, 3));

        Message noPatient = send(oru("MSG0007", "ACC5003", "", "F", "2.5")
                .replace("PID|1||^^^CITYHOSP^MR~998877^^^NATION^NI", "PID|1||"));
        assertEquals("AE", msa(noPatient, 1));
        assertTrue(msa(noPatient, 3).contains("PID-3"), msa(noPatient, 3));

        Message noText = send(String.join("\r", List.of(oru("MSG0008", "ACC5004", "PAT8", "F", "2.5").split("\r")).subList(0, 5)) + "\r");
        assertEquals("AE", msa(noText, 1));
        assertTrue(msa(noText, 3).contains("no report text"), msa(noText, 3));

        Message badTime = send(oru("MSG0009", "ACC5005", "PAT8", "F", "2.5").replace("20250301094500", "2025-03-01"));
        assertEquals("AE", msa(badTime, 1));
        assertTrue(msa(badTime, 3).contains("OBR-7"), msa(badTime, 3));
        assertTrue(received.isEmpty());
    }

    @Test
    void malformedMessagesGetANakWithTheReason() throws Exception {
        // No MSH segment at all.
        String noMsh = sendRaw("PID|1||PAT9^^^CITYHOSP^MR\rOBR|1||ACC6001\r");
        assertTrue(noMsh.contains("MSA|AE|"), noMsh);
        assertTrue(noMsh.contains("could not be parsed"), noMsh);

        // MSH without the message type (MSH-9) and control id: HAPI cannot tell the structure.
        String noType = sendRaw("MSH|^~\\&|RIS|CITYHOSP|ICHNODE|NEURO|20250301103000||||P|2.5\rPID|1||PAT9^^^CITYHOSP^MR\r");
        assertTrue(noType.startsWith("MSH|^~\\&|ICHNODE|NEURO|RIS|CITYHOSP|"), noType);
        assertTrue(noType.contains("MSA|AE|"), noType);

        // A message control id but no version (MSH-12).
        String noVersion = sendRaw("MSH|^~\\&|RIS|CITYHOSP|ICHNODE|NEURO|20250301103000||ORU^R01|MSG0010|P|\rPID|1||PAT9\r");
        assertTrue(noVersion.contains("MSA|AE|MSG0010|"), noVersion);
        assertTrue(received.isEmpty());
        // The connection still serves the next message.
        assertEquals("AA", msa(send(oru("MSG0011", "ACC6002", "PAT9", "F", "2.5")), 1));
    }

    @Test
    void otherMessageTypesAreRejectedWithAR() throws Exception {
        String adt = String.join("\r",
                "MSH|^~\\&|ADT|CITYHOSP|ICHNODE|NEURO|20250301103000||ADT^A01|MSG0012|P|2.5",
                "EVN|A01|20250301103000",
                "PID|1||PAT10^^^CITYHOSP^MR||DOE^JOHN",
                "PV1|1|I") + "\r";
        Message ack = send(adt);
        assertEquals("AR", msa(ack, 1));
        assertTrue(msa(ack, 3).contains("ADT^A01"), msa(ack, 3));
        Message oruR30 = send(oru("MSG0013", "ACC7001", "PAT10", "F", "2.5").replace("ORU^R01", "ORU^R30"));
        assertEquals("AR", msa(oruR30, 1));
        assertTrue(received.isEmpty());
    }

    @Test
    void sinkFailureIsARAndARefusalIsAE() throws Exception {
        failWith.set(new java.sql.SQLException("connection refused"));
        Message down = send(oru("MSG0014", "ACC8001", "PAT11", "F", "2.5"));
        assertEquals("AR", msa(down, 1));
        assertTrue(msa(down, 3).contains("send again later"), msa(down, 3));

        failWith.set(new ReportSink.ReportRejectedException("not a head CT"));
        Message refused = send(oru("MSG0015", "ACC8002", "PAT11", "F", "2.5"));
        assertEquals("AE", msa(refused, 1));
        assertTrue(msa(refused, 3).contains("not a head CT"), msa(refused, 3));

        failWith.set(null);
        assertEquals("AA", msa(send(oru("MSG0014", "ACC8001", "PAT11", "F", "2.5")), 1), "the retry is accepted");
    }

    @Test
    void severalOrdersInOneMessageAreSeveralReports() throws Exception {
        String[] one = oru("MSG0016", "ACC9001", "PAT12", "F", "2.5").split("\r");
        String second = String.join("\r",
                "ORC|RE|PL124|ACC9002||CM",
                "OBR|2|PL124|ACC9002|CTA^CTA HEAD^L|||20250301095000|||||||||DRS^SMITH^ANNE||ACC9002||||20250301103000||CT|F",
                "OBX|1|TX|CTA^CTA HEAD REPORT^L|1|IMPRESSION: No aneurysm. No hemorrhage.||||||F");
        Message ack = send(String.join("\r", one) + "\r" + second + "\r");
        assertEquals("AA", msa(ack, 1));
        assertEquals(2, received.size());
        assertEquals("ACC9001", received.get(0).accessionNumber());
        assertEquals("ACC9002", received.get(1).accessionNumber());
        assertEquals(2, received.get(1).messagePart());
        assertEquals("IMPRESSION: No aneurysm. No hemorrhage.", received.get(1).text());
        assertFalse(received.get(0).text().contains("aneurysm"));
    }

    @Test
    void listensOnlyOnTheConfiguredAddress() throws Exception {
        assertEquals(InetAddress.getLoopbackAddress(), listener.address());
        assertTrue(Instant.now().isAfter(Instant.EPOCH));
        // A second listener on the same address and port cannot bind; one on the wildcard address reports 0.0.0.0.
        assertThrows(java.io.IOException.class, () -> new MllpReportListener(
                MllpReportListener.Settings.of(InetAddress.getLoopbackAddress(), listener.port()), r -> null).start());
    }
}
