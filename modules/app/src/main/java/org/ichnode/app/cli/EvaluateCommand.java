package org.ichnode.app.cli;

import org.ichnode.training.data.*;
import java.nio.file.Path;
import java.util.List;
import org.ichnode.node.SegmenterChoice;
import org.ichnode.core.segmentation.HuThresholdSegmenter;
import org.ichnode.core.segmentation.Segmenter;
import org.ichnode.training.LabelledStudy;

/**
 * {@code ./ichnode evaluate --model DIR|default|baseline [--data ...] [--out DIR]}: a model (ich-node artifact or SavedModel, or the HU baseline)
 * against true masks, or on real data ({@code --data ../shared/data/ct-ich}, folders without full masks) against the
 * image-level labels and the masked slices; writes report.json, report.md and PNG overlays, prints the JSON last.
 */
public final class EvaluateCommand {

    public int run(Args args) throws Exception {
        String model = args.option("--model", "default");
        Path out = Path.of(args.option("--out", "var/evaluation"));
        DatasetOption data = args.dataset("phantom:full", 1000, 20);
        int overlays = args.intOption("--overlays", 6);
        int threads = args.intOption("--threads", 2);
        args.requireNoneLeft();
        Segmenter seg = switch (model) {
            case "baseline" -> new HuThresholdSegmenter();
            case "default" -> SegmenterChoice.load(SegmenterChoice.defaultModel(), threads);
            default -> SegmenterChoice.loadAny(Path.of(model), threads);
        };
        try {
            DatasetOption.Streamed streamed = data.stream(false);
            List<LabelledStudy> studies = data.isCtIch() || data.isNifti() || data.isImageSlices() ? null : (List<LabelledStudy>) streamed.studies();
            String json;
            if (studies != null && studies.stream().allMatch(LabelledStudy::fullyMasked)) {
                json = EvaluationRun.run(seg, studies, out, overlays).report().toJson();
            } else {
                // real data: image-level labels, masks on a few slices at most
                json = EvaluationRun.runReal(seg, streamed.studies(), streamed.count(), out, overlays).report().toJson();
            }
            System.out.println(seg.algorithmName() + " " + seg.algorithmVersion() + " on " + data.describe() + ": report in " + out);
            System.out.println(json);
        } finally {
            if (seg instanceof AutoCloseable c) c.close();
        }
        return 0;
    }
}
