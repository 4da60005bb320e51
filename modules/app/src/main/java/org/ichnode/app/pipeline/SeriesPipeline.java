package org.ichnode.app.pipeline;

import org.ichnode.core.segmentation.Finding;
import org.ichnode.core.segmentation.Segmentation;
import org.ichnode.core.segmentation.Segmenter;
import org.ichnode.core.volume.AssemblyResult;
import org.ichnode.core.volume.HuStatistics;
import org.ichnode.core.volume.Volume;
import org.ichnode.dicom.read.SeriesVolumeLoader;
import org.ichnode.dicom.results.ResultObjects;
import org.ichnode.dicom.results.SourceImages;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.zip.GZIPOutputStream;

/**
 * What a job does with one series, as three steps with declared inputs and outputs:
 * <ol>
 *   <li>load: the series' spool files -> a {@link Volume} (or a refusal with the reason);</li>
 *   <li>segment: Volume -> {@link Segmentation} (the active segmenter);</li>
 *   <li>encode: Volume + Segmentation + source files -> SEG and SR files in the result folder, plus the mask and
 *       findings kept beside them so a delivery can be repeated without recomputing; the overlay series follows
 *       ({@link #writeOverlay}) once SEG and SR are on their way.</li>
 * </ol>
 * Each step's time is part of the outcome (for the status page and the e2e benchmark).
 */
public final class SeriesPipeline {

    /**
     * @param objects the SEG (when found) and SR; {@link #writeOverlay} writes the overlay afterwards, so the
     *                objects a viewer needs first can be sent while the overlay is still being drawn
     */
    public record Outcome(boolean ok, String refusal, String resultJson, List<ResultObjects.Written> objects,
                          Segmentation segmentation, Map<String, Long> millis, Volume volume, SourceImages sources) {}

    private final Segmenter segmenter;
    private final ResultObjects.Options objectOptions;
    private final SeriesVolumeLoader loader = new SeriesVolumeLoader();

    public SeriesPipeline(Segmenter segmenter, ResultObjects.Options objectOptions) {
        this.segmenter = segmenter;
        this.objectOptions = objectOptions;
    }

    public Outcome run(List<Path> files, Path resultFolder) throws IOException {
        Map<String, Long> millis = new LinkedHashMap<>();
        long t = System.nanoTime();
        AssemblyResult assembled = loader.load(files);
        millis.put("load", elapsed(t));
        if (!assembled.isAccepted()) {
            return new Outcome(false, assembled.refusalReason().orElse("volume refused"), assembled.toJson(), List.of(), null, millis,
                    null, null);
        }
        Volume volume = assembled.volumeOrThrow();

        t = System.nanoTime();
        Segmentation segmentation = segmenter.segment(volume);
        millis.put("segment", elapsed(t));

        t = System.nanoTime();
        SourceImages sources = SourceImages.read(volume, files);
        List<ResultObjects.Written> objects = ResultObjects.writeSegAndReport(volume, segmentation, sources, objectOptions, resultFolder);
        keepMaskAndFindings(segmentation, volume, resultFolder);
        millis.put("encode", elapsed(t));

        String json = "{\"volume\":" + assembled.toJson()
                + ",\"hu\":" + HuStatistics.of(volume).toJson()
                + ",\"segmentation\":" + segmentationJson(segmentation)
                + ",\"objects\":" + objects.stream().map(o -> "{\"kind\":\"" + o.kind() + "\",\"sopInstanceUid\":\"" + o.sopInstanceUid()
                        + "\",\"file\":\"" + o.file().getFileName() + "\"}").collect(Collectors.joining(",", "[", "]"))
                + ",\"millis\":" + millis.entrySet().stream().map(e -> "\"" + e.getKey() + "\":" + e.getValue())
                        .collect(Collectors.joining(",", "{", "}"))
                + "}";
        return new Outcome(true, null, json, objects, segmentation, millis, volume, sources);
    }

    /** The overlay series for a successful outcome, or nothing when overlays are off. */
    public List<ResultObjects.Written> writeOverlay(Outcome outcome, Path resultFolder) throws IOException {
        if (!objectOptions.overlay()) return List.of();
        return ResultObjects.writeOverlay(outcome.volume(), outcome.segmentation(), outcome.sources(), objectOptions, resultFolder);
    }

    /** The mask (gzip, volume voxel order) and the findings, kept with the objects. */
    private static void keepMaskAndFindings(Segmentation s, Volume v, Path folder) throws IOException {
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(folder.resolve("mask.u8.gz")))) {
            out.write(s.mask());
        }
        Files.writeString(folder.resolve("segmentation.json"), "{\"columns\":" + v.columns() + ",\"rows\":" + v.rows()
                + ",\"slices\":" + v.slices() + ",\"segmentation\":" + segmentationJson(s) + "}");
    }

    static String segmentationJson(Segmentation s) {
        return "{\"algorithm\":\"" + s.algorithmName() + "\",\"version\":\"" + s.algorithmVersion() + "\""
                + ",\"hemorrhage\":" + s.hemorrhageFound()
                + ",\"studyProbability\":" + num(s.studyProbability())
                + ",\"operatingPoint\":" + num(s.operatingPoint())
                + ",\"totalVolumeMl\":" + num(s.totalVolumeMl())
                + ",\"findings\":" + s.findings().stream().map(SeriesPipeline::findingJson).collect(Collectors.joining(",", "[", "]"))
                + "}";
    }

    private static String findingJson(Finding f) {
        return "{\"label\":" + f.label() + ",\"voxels\":" + f.voxelCount() + ",\"volumeMl\":" + num(f.volumeMl())
                + ",\"longestAxialDiameterMm\":" + num(f.longestAxialDiameterMm()) + ",\"meanHu\":" + num(f.meanHu())
                + ",\"laterality\":\"" + f.laterality() + "\",\"slices\":[" + f.firstSlice() + "," + f.lastSlice() + "]"
                + ",\"probability\":" + num(f.probability()) + "}";
    }

    private static String num(double d) {
        return Double.isFinite(d) ? String.format(Locale.ROOT, "%.4f", d) : "null";
    }

    private static long elapsed(long t0) { return (System.nanoTime() - t0) / 1_000_000; }
}
