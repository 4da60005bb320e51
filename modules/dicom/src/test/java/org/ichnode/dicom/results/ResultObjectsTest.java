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
import static org.junit.jupiter.api.Assertions.assertThrows;
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
        // the dashboard's PNGs are the overlay's pixels: the summary first, then the slices with a red contour
        List<Path> overlays = OverlayImages.in(dir.resolve("out"));
        assertEquals(out.stream().filter(w -> w.kind() == ResultObjects.Kind.OVERLAY).count(), overlays.size());
        java.awt.image.BufferedImage png = javax.imageio.ImageIO.read(new java.io.ByteArrayInputStream(OverlayImages.png(overlays.get(1))));
        assertEquals(c.volume().columns(), png.getWidth());
        long red = 0;
        for (int y = 0; y < png.getHeight(); y++) {
            for (int x = 0; x < png.getWidth(); x++) if ((png.getRGB(x, y) & 0xFFFFFF) == OverlayWriter.CONTOUR_RGB) red++;
        }
        assertTrue(red > 10, "contour pixels in the PNG: " + red);
        assertThrows(java.io.IOException.class, () -> OverlayImages.png(c.files().get(0)), "a CT slice is not an overlay");
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
