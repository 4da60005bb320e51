package org.ichnode.app.node;

import org.ichnode.core.volume.AssemblyResult;
import org.ichnode.core.volume.HuStatistics;
import org.ichnode.core.volume.Volume;
import org.ichnode.dicom.read.SeriesVolumeLoader;

import java.nio.file.Path;
import java.util.List;

/**
 * The job's work until a segmenter plugs in: load the series into a volume and record its geometry and HU
 * statistics. Input: the series' spool files. Output: a JSON document for the job row, or a refusal reason.
 */
final class VolumeJob {

    record Outcome(boolean ok, String resultJson, String refusal, String summary) {}

    private final SeriesVolumeLoader loader = new SeriesVolumeLoader();

    Outcome run(List<Path> files) {
        AssemblyResult assembled = loader.load(files);
        if (!assembled.isAccepted()) {
            return new Outcome(false, assembled.toJson(), assembled.refusalReason().orElse("volume refused"), null);
        }
        Volume v = assembled.volumeOrThrow();
        HuStatistics hu = HuStatistics.of(v);
        String json = "{\"volume\":" + assembled.toJson() + ",\"hu\":" + hu.toJson() + "}";
        String summary = v.slices() + " slices " + v.columns() + "x" + v.rows() + ", mean " + Math.round(hu.mean()) + " HU";
        return new Outcome(true, json, null, summary);
    }
}
