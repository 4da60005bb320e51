package org.ichnode.dicom.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class UidsAndAeTitlesTest {

    @Test void uidSyntax() {
        for (String ok : new String[] {"1.2.840.10008.5.1.4.1.1.2", "2.25.242347905722427617958113046227612894531", "0", "1.2.840.113619.2.55.3.0123"}) {
            assertTrue(Uids.isValid(ok), ok);
        }
        for (String bad : new String[] {"..", ".", "1..2", ".1.2", "1.2.", "", "1.2.a", "1.2/../3", "1.2\n3", "1".repeat(65), null}) {
            assertFalse(Uids.isValid(bad), String.valueOf(bad));
        }
    }

    /** A calling AE title with a newline cannot forge a log line or match an allowlist entry. */
    @Test void controlCharactersInAnAeTitleAreReplaced() {
        byte[] block = "PACS\nFAKE LINE  ".getBytes(StandardCharsets.ISO_8859_1);
        assertEquals(16, block.length);
        assertEquals("PACS?FAKE LINE", AssociateRequest.aeTitle(block, 0));
        byte[] plain = "  STORESCU      ".getBytes(StandardCharsets.ISO_8859_1);
        assertEquals("STORESCU", AssociateRequest.aeTitle(plain, 0));
        byte[] high = new byte[16];
        java.util.Arrays.fill(high, (byte) ' ');
        high[0] = 'A';
        high[1] = (byte) 0xE9;
        high[2] = '\\';
        assertEquals("A??", AssociateRequest.aeTitle(high, 0));
    }
}
