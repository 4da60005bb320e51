package org.ichnode.dicom.results;

import org.ichnode.core.segmentation.Segmentation;
import org.ichnode.core.volume.Volume;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Writes everything a finished segmentation sends to the PACS into one folder: the SEG (only when something was
 * found: an empty SEG is not valid), the TID 1500 SR (always: it says "no hemorrhage detected" too) and,
 * optionally, the Secondary Capture overlay series. The caller sees paths and UIDs, no PixelMed types. Every series
 * description starts with the call ({@link Segmentation#callText()}), so a PACS worklist sorted by it shows the
 * suspected bleeds together.
 */
public final class ResultObjects {
    private ResultObjects() {}

    public enum Kind { SEG, SR, OVERLAY }

    public record Written(Kind kind, Path file, String sopClassUid, String sopInstanceUid) {}

    public record Options(boolean overlay, boolean allFrames, String nodeName) {}

    /** Everything: SEG (when found), SR and, when {@code options.overlay()}, the overlay series. */
    public static List<Written> write(Volume volume, Segmentation segmentation, Collection<Path> sourceFiles, Options options,
                                      Path folder) throws IOException {
        SourceImages sources = SourceImages.read(volume, sourceFiles);
        List<Written> out = new ArrayList<>(writeSegAndReport(volume, segmentation, sources, options, folder));
        if (options.overlay()) out.addAll(writeOverlay(volume, segmentation, sources, options, folder));
        return out;
    }

    /** The SEG (only when something was found) and the SR: what a radiologist's viewer needs first. */
    public static List<Written> writeSegAndReport(Volume volume, Segmentation segmentation, SourceImages sources, Options options,
                                                  Path folder) throws IOException {
        Files.createDirectories(folder);
        ResultDevice device = ResultDevice.of(segmentation, options.nodeName());
        List<Written> out = new ArrayList<>();
        SegmentationObjectWriter.SegmentationObject seg = null;
        if (segmentation.hemorrhageFound()) {
            seg = SegmentationObjectWriter.build(volume, segmentation, sources, device,
                    SegmentationObjectWriter.Options.defaults().withAllFrames(options.allFrames())
                            .withSeriesDescription(segmentation.callText() + " - AI segmentation"));
            out.add(written(Kind.SEG, seg.dicom(), folder.resolve("seg.dcm")));
        }
        DicomObject sr = MeasurementReportWriter.build(sources, segmentation, seg, device, MeasurementReportWriter.Options.forCall(segmentation.callText()));
        out.add(written(Kind.SR, sr, folder.resolve("sr.dcm")));
        return out;
    }

    /** The Secondary Capture overlay series (slices with findings plus a summary image). */
    public static List<Written> writeOverlay(Volume volume, Segmentation segmentation, SourceImages sources, Options options,
                                             Path folder) throws IOException {
        Files.createDirectories(folder);
        ResultDevice device = ResultDevice.of(segmentation, options.nodeName());
        List<Written> out = new ArrayList<>();
        List<DicomObject> overlay = OverlayWriter.build(volume, segmentation, sources, device, OverlayWriter.Options.forCall(segmentation.callText()));
        for (int i = 0; i < overlay.size(); i++) {
            out.add(written(Kind.OVERLAY, overlay.get(i), folder.resolve(String.format("overlay-%03d.dcm", i + 1))));
        }
        return out;
    }

    private static Written written(Kind kind, DicomObject o, Path file) throws IOException {
        return new Written(kind, o.write(file), o.sopClassUid(), o.sopInstanceUid());
    }
}
