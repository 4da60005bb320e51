package org.ichnode.dicom.results;

import com.pixelmed.dicom.Attribute;
import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.TagFromName;
import org.ichnode.core.segmentation.Segmentation;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a PACS worklist shows of the written series: the call first, in every series description. */
class ResultObjectsTest {

    @Test
    void positiveSeriesSaySuspectedHemorrhage(@TempDir Path dir) throws Exception {
        Fixtures.Case c = Fixtures.synthetic(dir.resolve("ct"), SegmentationObjectWriterTest.SYNTHETIC_BLOBS);
        List<ResultObjects.Written> out = ResultObjects.write(c.volume(), c.segmentation(), c.files(),
                new ResultObjects.Options(true, false, "TESTNODE"), dir.resolve("out"));
        assertTrue(out.stream().anyMatch(w -> w.kind() == ResultObjects.Kind.SEG));
        for (ResultObjects.Written w : out) {
            String description = seriesDescription(w.file());
            assertTrue(description.startsWith("SUSPECTED HEMORRHAGE - "), w.kind() + ": " + description);
            assertTrue(description.length() <= 64, description);
        }
    }

    @Test
    void negativeSeriesSayNoHemorrhageDetected(@TempDir Path dir) throws Exception {
        Fixtures.Case c = Fixtures.synthetic(dir.resolve("ct"), List.of());
        List<ResultObjects.Written> out = ResultObjects.write(c.volume(), c.segmentation(), c.files(),
                new ResultObjects.Options(true, false, "TESTNODE"), dir.resolve("out"));
        assertEquals(List.of(ResultObjects.Kind.SR, ResultObjects.Kind.OVERLAY), out.stream().map(ResultObjects.Written::kind).toList());
        for (ResultObjects.Written w : out) {
            assertTrue(seriesDescription(w.file()).startsWith(Segmentation.NOT_DETECTED + " - "), seriesDescription(w.file()));
        }
    }

    private static String seriesDescription(Path f) throws Exception {
        AttributeList l = new AttributeList();
        l.read(f.toString());
        return Attribute.getSingleStringValueOrNull(l, TagFromName.SeriesDescription);
    }
}
