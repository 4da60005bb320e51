package org.ichnode.node.pipeline;

import org.ichnode.core.segmentation.Finding;
import org.ichnode.core.segmentation.Segmentation;
import org.ichnode.core.segmentation.Segmenter;
import org.ichnode.core.volume.AssemblyResult;
import org.ichnode.core.volume.HuStatistics;
import org.ichnode.core.volume.Volume;
import org.ichnode.dicom.read.SeriesVolumeLoader;
import org.ichnode.dicom.results.ResultObjects;
import org.ichnode.dicom.results.SourceImages;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
    private static final ObjectMapper JSON = new ObjectMapper();

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

        ObjectNode root = JSON.createObjectNode();
        root.set("volume", tree(assembled.toJson()));
        root.set("hu", tree(HuStatistics.of(volume).toJson()));
        root.set("segmentation", segmentationJson(segmentation));
        ArrayNode written = root.putArray("objects");
        for (ResultObjects.Written o : objects) {
            written.addObject().put("kind", String.valueOf(o.kind())).put("sopInstanceUid", o.sopInstanceUid()).put("file", o.file().getFileName().toString());
        }
        ObjectNode times = root.putObject("millis");
        millis.forEach(times::put);
        String json = root.toString();
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
        ObjectNode kept = JSON.createObjectNode().put("columns", v.columns()).put("rows", v.rows()).put("slices", v.slices());
        kept.set("segmentation", segmentationJson(s));
        Files.writeString(folder.resolve("segmentation.json"), kept.toString());
    }

    static ObjectNode segmentationJson(Segmentation s) {
        ObjectNode n = JSON.createObjectNode().put("algorithm", s.algorithmName()).put("version", s.algorithmVersion())
                .put("hemorrhage", s.hemorrhageFound());
        num(n, "studyProbability", s.studyProbability());
        num(n, "operatingPoint", s.operatingPoint());
        num(n, "totalVolumeMl", s.totalVolumeMl());
        ArrayNode findings = n.putArray("findings");
        for (Finding f : s.findings()) {
            ObjectNode o = findings.addObject().put("label", f.label()).put("voxels", f.voxelCount());
            num(o, "volumeMl", f.volumeMl());
            num(o, "longestAxialDiameterMm", f.longestAxialDiameterMm());
            num(o, "meanHu", f.meanHu());
            o.put("laterality", String.valueOf(f.laterality()));
            o.putArray("slices").add(f.firstSlice()).add(f.lastSlice());
            num(o, "probability", f.probability());
        }
        return n;
    }

    /** Four decimals are plenty for probabilities, mL, mm and HU; not-a-number is written as null. */
    private static void num(ObjectNode n, String field, double d) {
        if (Double.isFinite(d)) n.put(field, Math.round(d * 1e4) / 1e4);
        else n.putNull(field);
    }

    /** The JSON the framework-free core writes, as a tree to embed. */
    private static JsonNode tree(String json) throws IOException {
        return JSON.readTree(json);
    }

    private static long elapsed(long t0) { return (System.nanoTime() - t0) / 1_000_000; }
}
