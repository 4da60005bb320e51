package org.ichnode.dicom.results;

import com.pixelmed.dicom.Attribute;
import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.SequenceAttribute;
import com.pixelmed.dicom.TagFromName;
import org.ichnode.core.segmentation.Finding.Laterality;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OverlayWriterTest {

    @Test
    void realTiltedSeries(@TempDir Path dir) throws Exception {
        Fixtures.Case c = Fixtures.realTilted(List.of(new Fixtures.Blob(300, 260, 25, 18, 12, 14, Laterality.LEFT)));
        check(dir, c, List.of(12, 13, 14));
    }

    @Test
    void syntheticNonSquare(@TempDir Path dir) throws Exception {
        Fixtures.Case c = Fixtures.synthetic(dir.resolve("ct"), SegmentationObjectWriterTest.SYNTHETIC_BLOBS);
        check(dir, c, List.of(0, 1, 4, 5, 6));
    }

    @Test
    void noFindingsGivesOnlyTheSummary(@TempDir Path dir) throws Exception {
        Fixtures.Case c = Fixtures.synthetic(dir.resolve("ct"), List.of());
        check(dir, c, List.of());
    }

    static void check(Path dir, Fixtures.Case c, List<Integer> slices) throws Exception {
        SourceImages sources = SourceImages.read(c.volume(), c.files());
        List<DicomObject> images = OverlayWriter.build(c.volume(), c.segmentation(), sources,
                ResultDevice.of(c.segmentation(), "TESTNODE"), OverlayWriter.Options.defaults());
        assertEquals(slices.size() + 1, images.size());
        for (int i = 0; i < images.size(); i++) {
            DicomObject o = images.get(i);
            assertEquals(images.get(0).seriesInstanceUid(), o.seriesInstanceUid());
            Path f = o.write(dir.resolve("sc-" + i + ".dcm"));
            Validators.dciodvfy(f);
            AttributeList l = new AttributeList();
            l.read(f.toString());
            assertEquals("YES", Attribute.getSingleStringValueOrNull(l, TagFromName.BurnedInAnnotation));
            assertEquals("WSD", Attribute.getSingleStringValueOrNull(l, TagFromName.ConversionType));
            assertEquals(sources.studyInstanceUid(), Attribute.getSingleStringValueOrNull(l, TagFromName.StudyInstanceUID));
            int w = Attribute.getSingleIntegerValueOrDefault(l, TagFromName.Columns, 0);
            int h = Attribute.getSingleIntegerValueOrDefault(l, TagFromName.Rows, 0);
            byte[] px = l.getPixelData().getByteValues();
            // the banner: yellow text pixels in the top rows
            long yellow = 0;
            for (int p = 0; p < w * Math.min(h, 40); p++) {
                if ((px[3 * p] & 0xFF) == 0xFF && (px[3 * p + 1] & 0xFF) == 0xFF && (px[3 * p + 2] & 0xFF) == 0) yellow++;
            }
            assertTrue(yellow > 20, "no banner text found in image " + i + " (" + yellow + " yellow pixels)");
            if (i == 0) continue;
            int s = slices.get(i - 1);
            SequenceAttribute src = (SequenceAttribute) l.get(TagFromName.SourceImageSequence);
            assertEquals(c.volume().sourceInstanceUids().get(s),
                    Attribute.getSingleStringValueOrNull(src.getItem(0).getAttributeList(), TagFromName.ReferencedSOPInstanceUID));
            // contour: red pixels only where the mask is set
            long red = 0;
            int plane = w * h;
            for (int p = 0; p < plane; p++) {
                boolean isRed = (px[3 * p] & 0xFF) == 0xFF && (px[3 * p + 1] & 0xFF) == 0x20 && (px[3 * p + 2] & 0xFF) == 0x20;
                if (!isRed) continue;
                red++;
                assertEquals(1, c.segmentation().mask()[s * plane + p], "contour pixel outside the mask at " + p);
            }
            assertTrue(red > 10, "no contour burned into slice " + s);
        }
    }
}
