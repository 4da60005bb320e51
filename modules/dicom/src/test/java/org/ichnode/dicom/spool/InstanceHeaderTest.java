package org.ichnode.dicom.spool;

import com.pixelmed.dicom.DicomInputStream;
import org.ichnode.dicom.testing.Tools;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedInputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The hot-path header scanner agrees with PixelMed on real files, explicit and implicit VR. */
class InstanceHeaderTest {
    @TempDir Path tmp;

    @Test
    void scannerMatchesPixelMedOnRealSeriesInBothLittleEndianSyntaxes() throws Exception {
        List<Path> files = new ArrayList<>(Tools.files(Tools.realCt("ge-head-tilted")).subList(0, 6));
        files.addAll(Tools.files(Tools.realCt("philips-head-phantom-5mm")).subList(0, 6));
        int compared = 0;
        for (Path f : files) {
            Path implicit = tmp.resolve("implicit-" + f.getFileName());
            assertEquals(0, Tools.run(List.of("dcmconv", "+ti", f.toString(), implicit.toString())).exitCode());
            for (Path p : List.of(f, implicit)) {
                InstanceHeader expected = InstanceHeader.read(p);
                byte[] dataSet = dataSetBytes(p);
                InstanceHeader scanned = InstanceHeader.scan(dataSet, Math.min(dataSet.length, 64 * 1024), expected.transferSyntaxUid());
                assertNotNull(scanned, "scanner handled " + p.getFileName());
                assertEquals(expected.sopInstanceUid(), scanned.sopInstanceUid());
                assertEquals(expected.sopClassUid(), scanned.sopClassUid());
                assertEquals(expected.studyInstanceUid(), scanned.studyInstanceUid());
                assertEquals(expected.seriesInstanceUid(), scanned.seriesInstanceUid());
                assertEquals(expected.patientId(), scanned.patientId());
                assertEquals(expected.accessionNumber(), scanned.accessionNumber());
                assertEquals(expected.studyDate(), scanned.studyDate());
                assertEquals(expected.modality(), scanned.modality());
                assertEquals(expected.bodyPartExamined(), scanned.bodyPartExamined());
                assertEquals(expected.seriesDescription(), scanned.seriesDescription());
                assertEquals(expected.imageType(), scanned.imageType());
                assertEquals(expected.sliceThicknessMm(), scanned.sliceThicknessMm());
                assertEquals(expected.imagesInAcquisition(), scanned.imagesInAcquisition());
                assertArrayEquals(numbers(expected.imageOrientation()), numbers(scanned.imageOrientation()), 1e-9);
                compared++;
            }
        }
        assertEquals(24, compared);
    }

    @Test
    void truncatedBytesAreNotGuessed() throws Exception {
        Path f = Tools.files(Tools.realCt("ge-head-tilted")).get(0);
        byte[] dataSet = dataSetBytes(f);
        assertNull(InstanceHeader.scan(dataSet, 200, "1.2.840.10008.1.2.1"), "stops before Pixel Data: not sure");
    }

    /** The bytes after the Part 10 meta information. */
    private static byte[] dataSetBytes(Path p) throws Exception {
        byte[] all = Files.readAllBytes(p);
        try (InputStream in = new BufferedInputStream(Files.newInputStream(p)); DicomInputStream din = new DicomInputStream(in)) {
            com.pixelmed.dicom.AttributeList meta = new com.pixelmed.dicom.AttributeList();
            meta.readOnlyMetaInformationHeader(din);
            long groupLength = com.pixelmed.dicom.Attribute.getSingleLongValueOrDefault(meta, com.pixelmed.dicom.TagFromName.FileMetaInformationGroupLength, -1);
            int start = 128 + 4 + 12 + (int) groupLength;
            return java.util.Arrays.copyOfRange(all, start, all.length);
        }
    }

    private static double[] numbers(String s) {
        String[] parts = s.split("\\\\");
        double[] d = new double[parts.length];
        for (int i = 0; i < parts.length; i++) d[i] = Double.parseDouble(parts[i].trim());
        return d;
    }
}
