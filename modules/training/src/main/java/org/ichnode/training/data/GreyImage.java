package org.ichnode.training.data;

import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.metadata.IIOMetadataNode;
import javax.imageio.stream.ImageInputStream;
import org.w3c.dom.NodeList;

/**
 * An 8-bit grey image (PNG or JPG) as grey levels 0..255, row by row, with the pixel size its file declares (PNG
 * pHYs, JFIF density), if any.
 */
record GreyImage(int width, int height, int[] levels, Double pixelSizeMm) {

    static GreyImage read(Path file) throws IOException {
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            if (in == null) throw new IOException("cannot open " + file);
            ImageReader reader = reader(in, file);
            try {
                reader.setInput(in, true, false);
                BufferedImage img = reader.read(0);
                Raster r = img.getRaster();
                int bits = r.getSampleModel().getSampleSize(0);
                if (bits != 8) {
                    throw new IOException(file + ": " + bits + "-bit samples; grey images of 8 bits per sample are read "
                            + "(a window of HU rendered to 0..255)");
                }
                int[] v = r.getSamples(0, 0, img.getWidth(), img.getHeight(), 0, (int[]) null);
                return new GreyImage(img.getWidth(), img.getHeight(), v, pixelSizeMm(reader.getImageMetadata(0)));
            } finally {
                reader.dispose();
            }
        }
    }

    /**
     * The JDK's reader for the file's suffix. PixelMed's lossless JPEG plug-in is registered too and prints a line for
     * every file it is asked to probe, so readers are chosen by suffix (no probing) and PixelMed's only as a last resort.
     */
    private static ImageReader reader(ImageInputStream in, Path file) throws IOException {
        String name = file.getFileName().toString();
        String suffix = name.contains(".") ? name.substring(name.lastIndexOf('.') + 1).toLowerCase(java.util.Locale.ROOT) : "";
        Iterator<ImageReader> it = suffix.isEmpty() ? ImageIO.getImageReaders(in) : ImageIO.getImageReadersBySuffix(suffix);
        if (!it.hasNext() && !suffix.isEmpty()) it = ImageIO.getImageReaders(in);
        ImageReader fallback = null;
        while (it.hasNext()) {
            ImageReader r = it.next();
            if (!r.getClass().getName().startsWith("com.pixelmed")) return r;
            fallback = r;
        }
        if (fallback == null) throw new IOException(file + ": not a PNG or JPG image");
        return fallback;
    }

    /** HorizontalPixelSize of the standard metadata (mm per pixel), when the file declares a physical density. */
    private static Double pixelSizeMm(IIOMetadata meta) {
        if (meta == null || !meta.isStandardMetadataFormatSupported()) return null;
        IIOMetadataNode root = (IIOMetadataNode) meta.getAsTree("javax_imageio_1.0");
        NodeList n = root.getElementsByTagName("HorizontalPixelSize");
        if (n.getLength() == 0) return null;
        try {
            double mm = Double.parseDouble(((IIOMetadataNode) n.item(0)).getAttribute("value"));
            // a JFIF header without units gives an aspect ratio only; real CT pixels lie between 0.1 and 5 mm
            return mm > 0.05 && mm < 5 ? mm : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
