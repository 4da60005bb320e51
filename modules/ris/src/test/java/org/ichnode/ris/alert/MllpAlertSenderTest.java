package org.ichnode.ris.alert;

import static org.junit.jupiter.api.Assertions.*;

import org.ichnode.core.net.FreePorts;

import ca.uhn.hl7v2.DefaultHapiContext;
import ca.uhn.hl7v2.HL7Exception;
import ca.uhn.hl7v2.HapiContext;
import ca.uhn.hl7v2.app.HL7Service;
import ca.uhn.hl7v2.model.Message;
import ca.uhn.hl7v2.model.v25.message.ORU_R01;
import ca.uhn.hl7v2.protocol.ReceivingApplication;
import ca.uhn.hl7v2.util.Terser;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The alert ORU^R01 sent by HAPI's client to HAPI's own MLLP server over a real socket. */
class MllpAlertSenderTest {
    private final HapiContext receiverContext = new DefaultHapiContext();
    { receiverContext.getParserConfiguration().setIdGenerator(new ca.uhn.hl7v2.util.idgenerator.InMemoryIDGenerator()); }
    private HL7Service receiver;
    private final List<Message> received = new CopyOnWriteArrayList<>();

    static HemorrhageAlert alert() {
        return new HemorrhageAlert(7, "1.2.826.0.1.3680043.2.1125.1", "ACC123", "PID-42", "1.2.3.4", "SUSPECTED HEMORRHAGE",
                0.874, 0.332, 12.4, 2, "ich-node weak 2026.12.06", Instant.parse("2026-12-06T10:15:30Z"), "http://node:8080/results/7");
    }

    private int startReceiver(String ackCode) throws Exception {
        int port = FreePorts.pick();
        receiver = receiverContext.newServer(port, false);
        receiver.registerApplication("ORU", "R01", new ReceivingApplication<Message>() {
            @Override
            public Message processMessage(Message m, Map<String, Object> meta) throws HL7Exception {
                received.add(m);
                try {
                    Message ack = m.generateACK();
                    new Terser(ack).set("MSA-1", ackCode);
                    return ack;
                } catch (IOException e) {
                    throw new HL7Exception(e);
                }
            }

            @Override
            public boolean canProcess(Message m) { return true; }
        });
        receiver.startAndWait();
        return port;
    }

    @AfterEach
    void stop() throws IOException {
        if (receiver != null) receiver.stopAndWait();
        receiverContext.close();
    }

    @Test
    void positiveCallReachesTheRisAsAPreliminaryOru() throws Exception {
        int port = startReceiver("AA");
        String text = OruAlertMessage.render(alert(), "ICHNODE", "RIS", "CITYHOSP", "ICH7-hl7");
        try (MllpAlertSender sender = new MllpAlertSender(Duration.ofSeconds(10))) {
            MllpAlertSender.Outcome out = sender.send("127.0.0.1", port, text);
            assertTrue(out.delivered(), out.detail());
        }
        assertEquals(1, received.size());
        ORU_R01 m = (ORU_R01) received.get(0);
        Terser t = new Terser(m);
        assertEquals("ICH7-hl7", t.get("MSH-10"));
        assertEquals("ORU", t.get("MSH-9-1"));
        assertEquals("R01", t.get("MSH-9-2"));
        assertEquals("PID-42", t.get("/PATIENT_RESULT/PATIENT/PID-3-1"));
        assertEquals("ACC123", t.get("/PATIENT_RESULT/ORDER_OBSERVATION/OBR-3-1"));
        assertEquals("ACC123", t.get("/PATIENT_RESULT/ORDER_OBSERVATION/OBR-18"));
        assertEquals("P", t.get("/PATIENT_RESULT/ORDER_OBSERVATION/OBR-25"));
        var order = m.getPATIENT_RESULT().getORDER_OBSERVATION();
        assertEquals("SUSPECTED HEMORRHAGE", order.getOBSERVATION(0).getOBX().getObservationValue(0).encode());
        assertEquals("0.874", order.getOBSERVATION(1).getOBX().getObservationValue(0).encode());
        assertEquals("12.4", order.getOBSERVATION(3).getOBX().getObservationValue(0).encode());
        assertEquals("mL", order.getOBSERVATION(3).getOBX().getUnits().getIdentifier().getValue());
        assertEquals("1.2.826.0.1.3680043.2.1125.1", order.getOBSERVATION(5).getOBX().getObservationValue(0).encode());
        String summary = order.getOBSERVATION(order.getOBSERVATIONReps() - 1).getOBX().getObservationValue(0).encode();
        assertTrue(summary.startsWith("SUSPECTED HEMORRHAGE: 12.4 mL in 2 lesion(s), probability 87 %"), summary);
    }

    @Test
    void refusalIsFinalAndAnErrorIsRetried() throws Exception {
        int port = startReceiver("AR");
        String text = OruAlertMessage.render(alert(), "ICHNODE", "RIS", "CITYHOSP", "ICH7-hl7");
        try (MllpAlertSender sender = new MllpAlertSender(Duration.ofSeconds(10))) {
            MllpAlertSender.Outcome refused = sender.send("127.0.0.1", port, text);
            assertFalse(refused.delivered());
            assertFalse(refused.retryable(), refused.detail());
            assertTrue(refused.detail().contains("AR"), refused.detail());
        }
    }

    @Test
    void nobodyListeningIsRetryable() throws Exception {
        int port = FreePorts.pick();
        try (MllpAlertSender sender = new MllpAlertSender(Duration.ofSeconds(2))) {
            MllpAlertSender.Outcome out = sender.send("127.0.0.1", port, OruAlertMessage.render(alert(), "A", "B", "C", "X1"));
            assertFalse(out.delivered());
            assertTrue(out.retryable(), out.detail());
        }
    }
}
