package org.ichnode.dicom.results;

import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.DicomException;
import com.pixelmed.dicom.OtherByteAttribute;
import com.pixelmed.dicom.SOPClass;
import com.pixelmed.dicom.TagFromName;
import org.ichnode.core.segmentation.Finding;
import org.ichnode.core.segmentation.Segmentation;
import org.ichnode.core.volume.Volume;
import org.ichnode.dicom.UidGenerator;

import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Builds a Secondary Capture series (RGB) for PACS that cannot show SEG: one image per source slice with hemorrhage
 * (brain window, lesion contour burned in red), plus a summary image listing the findings, first. Every image carries
 * the burned-in banner {@value #BANNER}; BurnedInAnnotation YES, ConversionType WSD; slice images reference their
 * source CT image in SourceImageSequence.
 */
public final class OverlayWriter {

    public static final String BANNER = "AI RESULT - NOT FOR PRIMARY DIAGNOSIS";
    public static final String SECONDARY_CAPTURE = SOPClass.SecondaryCaptureImageStorage;
    /** Contour colour (RGB). */
    public static final int CONTOUR_RGB = 0xFF2020;
    static final int BANNER_TEXT_RGB = 0xFFFF00;

    static {
        if (System.getProperty("java.awt.headless") == null) System.setProperty("java.awt.headless", "true");
    }

    /**
     * @param seriesNumber      SeriesNumber of the new series
     * @param seriesDescription SeriesDescription
     * @param windowCenter      display window centre in HU
     * @param windowWidth       display window width in HU
     */
    public record Options(int seriesNumber, String seriesDescription, double windowCenter, double windowWidth) {
        public Options {
            if (seriesNumber < 0) throw new ResultBuildException("seriesNumber must be >= 0");
            if (seriesDescription == null || seriesDescription.isBlank() || seriesDescription.length() > 64) {
                throw new ResultBuildException("seriesDescription must be 1..64 characters");
            }
            if (!(windowWidth >= 1) || !Double.isFinite(windowCenter)) throw new ResultBuildException("bad window " + windowCenter + "/" + windowWidth);
        }

        /** Brain window 50 / 130 HU. */
        public static Options defaults() { return new Options(903, "AI hemorrhage overlay - NOT FOR DIAGNOSIS", 50, 130); }

        /** The worklist's description with the call first ("SUSPECTED HEMORRHAGE - AI overlay, not for diagnosis"). */
        public static Options forCall(String callText) { return new Options(903, callText + " - AI overlay, not for diagnosis", 50, 130); }
    }

    private OverlayWriter() { }

    /**
     * Builds the series: the summary image (instance 1), then one image per slice with hemorrhage in volume order.
     *
     * @throws ResultBuildException when mask, volume and sources do not fit together
     */
    public static List<DicomObject> build(Volume volume, Segmentation segmentation, SourceImages sources, ResultDevice device,
                                          Options options) {
        Objects.requireNonNull(volume, "volume");
        Objects.requireNonNull(segmentation, "segmentation");
        Objects.requireNonNull(sources, "sources");
        Objects.requireNonNull(device, "device");
        Objects.requireNonNull(options, "options");
        int plane = volume.voxelsPerSlice();
        byte[] mask = segmentation.mask();
        if (mask.length != (long) plane * volume.slices()) {
            throw new ResultBuildException("mask has " + mask.length + " voxels, the volume " + (long) plane * volume.slices());
        }
        if (sources.size() != volume.slices()) throw new ResultBuildException(sources.size() + " source headers for " + volume.slices() + " slices");

        String seriesUid = UidGenerator.newUid();
        LocalDateTime now = LocalDateTime.now();
        List<DicomObject> out = new ArrayList<>();
        int instance = 1;
        out.add(instance(summary(volume, segmentation, device), null, -1, sources, device, options, seriesUid, instance++, now));
        for (int s = 0; s < volume.slices(); s++) {
            boolean any = false;
            for (int p = 0; p < plane && !any; p++) any = mask[s * plane + p] != 0;
            if (!any) continue;
            BufferedImage img = slice(volume, mask, s, options);
            banner(img, bannerText(segmentation), String.format(Locale.ROOT, "%s %s  slice %d/%d", device.algorithmName(), device.algorithmVersion(),
                    s + 1, volume.slices()));
            out.add(instance(img, sources, s, sources, device, options, seriesUid, instance++, now));
        }
        return out;
    }

    /** Windowed grey slice with the mask's outline (mask pixels with a 4-neighbour outside the mask) in red. */
    static BufferedImage slice(Volume v, byte[] mask, int s, Options o) {
        int w = v.columns(), h = v.rows(), base = s * w * h;
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        double lo = o.windowCenter() - o.windowWidth() / 2;
        for (int r = 0; r < h; r++) {
            for (int c = 0; c < w; c++) {
                int i = base + r * w + c;
                int g = (int) Math.round(Math.max(0, Math.min(1, (v.hu()[i] - lo) / o.windowWidth())) * 255);
                int rgb = (g << 16) | (g << 8) | g;
                if (mask[i] != 0 && edge(mask, base, w, h, c, r)) rgb = CONTOUR_RGB;
                img.setRGB(c, r, rgb);
            }
        }
        return img;
    }

    private static boolean edge(byte[] mask, int base, int w, int h, int c, int r) {
        return c == 0 || r == 0 || c == w - 1 || r == h - 1
                || mask[base + r * w + c - 1] == 0 || mask[base + r * w + c + 1] == 0
                || mask[base + (r - 1) * w + c] == 0 || mask[base + (r + 1) * w + c] == 0;
    }

    /** The summary: banner and one line per fact, white on black, at the volume's size (at least 256x256). */
    static BufferedImage summary(Volume v, Segmentation seg, ResultDevice device) {
        int w = Math.max(256, v.columns()), h = Math.max(256, v.rows());
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        List<String> lines = new ArrayList<>();
        lines.add("Intracranial hemorrhage: " + (seg.hemorrhageFound() ? "DETECTED" : "not detected"));
        lines.add(String.format(Locale.ROOT, "Probability: %.0f %%", seg.studyProbability() * 100)
                + (seg.operatingPoint() > 0 ? String.format(Locale.ROOT, " (operating point %.0f %%)", seg.operatingPoint() * 100) : ""));
        lines.add(String.format(Locale.ROOT, "Total volume: %.1f ml", seg.totalVolumeMl()));
        for (Finding f : seg.findings()) {
            lines.add(String.format(Locale.ROOT, "#%d %s: %.1f ml, %.0f mm, %.0f HU, slices %d-%d", f.label(),
                    f.laterality().name().toLowerCase(Locale.ROOT), f.volumeMl(), f.longestAxialDiameterMm(), f.meanHu(),
                    f.firstSlice() + 1, f.lastSlice() + 1)
                    + (f.hasProbability() ? String.format(Locale.ROOT, ", p %.0f %%", f.probability() * 100) : ""));
        }
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_OFF);
            Font font = fit(g, lines, w - 16, Math.max(10, h / 28));
            g.setFont(font);
            g.setColor(Color.WHITE);
            FontMetrics fm = g.getFontMetrics();
            int y = h / 6 + fm.getAscent();
            for (String line : lines) {
                g.drawString(line, 8, y);
                y += fm.getHeight();
                if (y > h - fm.getHeight() * 2) break;
            }
        } finally {
            g.dispose();
        }
        banner(img, bannerText(seg), device.manufacturer() + " " + device.algorithmName() + " " + device.algorithmVersion());
        return img;
    }

    /** The call, then {@value #BANNER}: "SUSPECTED HEMORRHAGE - AI RESULT - NOT FOR PRIMARY DIAGNOSIS". */
    static String bannerText(Segmentation seg) { return seg.callText() + " - " + BANNER; }

    /** Burns the banner on a black bar at the top and a footer line at the bottom. */
    static void banner(BufferedImage img, String text, String footer) {
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_OFF);
            int w = img.getWidth();
            Font font = fit(g, List.of(text), w - 8, Math.max(9, w / 24)).deriveFont(Font.BOLD);
            font = fit(g, List.of(text), w - 8, font.getSize(), Font.BOLD);
            g.setFont(font);
            FontMetrics fm = g.getFontMetrics();
            g.setColor(Color.BLACK);
            g.fillRect(0, 0, w, fm.getHeight() + 4);
            g.setColor(new Color(BANNER_TEXT_RGB));
            g.drawString(text, Math.max(2, (w - fm.stringWidth(text)) / 2), fm.getAscent() + 2);
            Font small = fit(g, List.of(footer), w - 8, Math.max(8, font.getSize() * 3 / 4));
            g.setFont(small);
            FontMetrics sm = g.getFontMetrics();
            g.setColor(Color.BLACK);
            g.fillRect(0, img.getHeight() - sm.getHeight() - 2, w, sm.getHeight() + 2);
            g.setColor(new Color(BANNER_TEXT_RGB));
            g.drawString(footer, 4, img.getHeight() - sm.getDescent() - 1);
        } finally {
            g.dispose();
        }
    }

    private static Font fit(Graphics2D g, List<String> lines, int width, int size) {
        return fit(g, lines, width, size, Font.PLAIN);
    }

    /** The largest font at most {@code size} points (at least 6) in which every line fits {@code width} pixels. */
    private static Font fit(Graphics2D g, List<String> lines, int width, int size, int style) {
        for (int s = size; s > 6; s--) {
            Font f = new Font(Font.SANS_SERIF, style, s);
            FontMetrics fm = g.getFontMetrics(f);
            if (lines.stream().allMatch(l -> fm.stringWidth(l) <= width)) return f;
        }
        return new Font(Font.SANS_SERIF, style, 6);
    }

    private static DicomObject instance(BufferedImage img, SourceImages ref, int slice, SourceImages sources, ResultDevice device,
                                        Options options, String seriesUid, int instanceNumber, LocalDateTime now) {
        AttributeList list = new AttributeList();
        String sop = UidGenerator.newUid();
        new ResultHeader(SECONDARY_CAPTURE, sop, "OT", seriesUid, options.seriesNumber(), options.seriesDescription(), instanceNumber, now)
                .writeTo(list, sources, device);
        Dcm.put(list, TagFromName.BodyPartExamined, "HEAD"); // unpaired: no (Type 2C) Laterality needed
        Dcm.put(list, TagFromName.ConversionType, "WSD");
        Dcm.put(list, TagFromName.DateOfSecondaryCapture, Dcm.date(now));
        Dcm.put(list, TagFromName.TimeOfSecondaryCapture, Dcm.time(now));
        Dcm.put(list, TagFromName.PatientOrientation, new String[0]);
        Dcm.put(list, TagFromName.ImageType, "DERIVED", "SECONDARY");
        Dcm.put(list, TagFromName.BurnedInAnnotation, "YES");
        Dcm.put(list, TagFromName.LossyImageCompression, "00");
        Dcm.put(list, TagFromName.DerivationDescription, slice < 0 ? "AI hemorrhage result summary"
                : "Brain window with AI hemorrhage contour burned in");
        if (ref != null) {
            AttributeList src = Dcm.item(list, TagFromName.SourceImageSequence);
            Dcm.put(src, TagFromName.ReferencedSOPClassUID, ref.sopClassUid(slice));
            Dcm.put(src, TagFromName.ReferencedSOPInstanceUID, ref.sopInstanceUid(slice));
            Dcm.code(src, TagFromName.PurposeOfReferenceCodeSequence, SegmentationObjectWriter.SOURCE_FOR_PROCESSING);
        }
        int w = img.getWidth(), h = img.getHeight();
        Dcm.put(list, TagFromName.SamplesPerPixel, 3);
        Dcm.put(list, TagFromName.PhotometricInterpretation, "RGB");
        Dcm.put(list, TagFromName.PlanarConfiguration, 0);
        Dcm.put(list, TagFromName.Rows, h);
        Dcm.put(list, TagFromName.Columns, w);
        Dcm.put(list, TagFromName.BitsAllocated, 8);
        Dcm.put(list, TagFromName.BitsStored, 8);
        Dcm.put(list, TagFromName.HighBit, 7);
        Dcm.put(list, TagFromName.PixelRepresentation, 0);
        byte[] px = new byte[(w * h * 3 + 1) & ~1];
        int k = 0;
        for (int r = 0; r < h; r++) {
            for (int c = 0; c < w; c++) {
                int rgb = img.getRGB(c, r);
                px[k++] = (byte) (rgb >> 16);
                px[k++] = (byte) (rgb >> 8);
                px[k++] = (byte) rgb;
            }
        }
        OtherByteAttribute pixels = new OtherByteAttribute(TagFromName.PixelData);
        try {
            pixels.setValues(px);
        } catch (DicomException e) {
            throw new ResultBuildException("cannot set PixelData: " + e.getMessage(), e);
        }
        list.put(pixels);
        return new DicomObject(list, SECONDARY_CAPTURE, sop, seriesUid, sources.studyInstanceUid());
    }
}
