package org.ichnode.dicom.results;

import com.pixelmed.dicom.Attribute;
import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.DicomException;
import com.pixelmed.dicom.TagFromName;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * The overlay series a result folder holds, as PNGs for a browser: the summary image first, then one per slice with
 * findings, exactly the pixels that went to the PACS.
 */
public final class OverlayImages {
    private OverlayImages() {}

    /** The overlay files of a result folder in instance order (empty when overlays are off or not yet written). */
    public static List<Path> in(Path resultFolder) throws IOException {
        if (!Files.isDirectory(resultFolder)) return List.of();
        try (Stream<Path> files = Files.list(resultFolder)) {
            return files.filter(f -> f.getFileName().toString().matches("overlay-\\d{3}\\.dcm")).sorted().toList();
        }
    }

    /** One overlay image (RGB Secondary Capture as this node writes it) as PNG bytes. */
    public static byte[] png(Path overlay) throws IOException {
        AttributeList l = new AttributeList();
        try {
            l.read(overlay.toString());
        } catch (DicomException e) {
            throw new IOException("not a readable overlay: " + e.getMessage(), e);
        }
        int rows = Attribute.getSingleIntegerValueOrDefault(l, TagFromName.Rows, 0);
        int cols = Attribute.getSingleIntegerValueOrDefault(l, TagFromName.Columns, 0);
        int samples = Attribute.getSingleIntegerValueOrDefault(l, TagFromName.SamplesPerPixel, 0);
        byte[] px;
        try {
            px = l.getPixelData().getByteValues();
        } catch (DicomException e) {
            throw new IOException("overlay pixel data unreadable: " + e.getMessage(), e);
        }
        if (samples != 3 || rows < 1 || cols < 1 || px.length < 3L * rows * cols) {
            throw new IOException("not an RGB overlay of " + cols + "x" + rows);
        }
        BufferedImage img = new BufferedImage(cols, rows, BufferedImage.TYPE_INT_RGB);
        for (int i = 0, p = 0; i < rows * cols; i++, p += 3) {
            img.setRGB(i % cols, i / cols, ((px[p] & 0xFF) << 16) | ((px[p + 1] & 0xFF) << 8) | (px[p + 2] & 0xFF));
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "png", out);
        return out.toByteArray();
    }
}
