package org.ichnode.app.cli;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import org.ichnode.core.segmentation.Segmentation;
import org.ichnode.core.segmentation.Segmenter;
import org.ichnode.core.volume.Volume;
import org.ichnode.training.Evaluation;
import org.ichnode.training.LabelledStudy;
import org.ichnode.training.RealEvaluation;

/** Runs a segmenter over studies with true masks and writes report.json, report.md and PNG overlays. */
final class EvaluationRun {
    private EvaluationRun() {}

    record Result(Evaluation.Report report, List<Evaluation.StudyResult> studies) {}

    static Result run(Segmenter segmenter, List<LabelledStudy> studies, Path out, int overlays) throws IOException {
        if (out != null) Files.createDirectories(out);
        List<Evaluation.StudyResult> results = new ArrayList<>();
        long t0 = System.nanoTime();
        int drawn = 0;
        for (int i = 0; i < studies.size(); i++) {
            LabelledStudy s = studies.get(i);
            if (s.trueMask() == null) throw new IllegalArgumentException("study " + s.id() + " has no true mask to evaluate against");
            Segmentation seg = segmenter.segment(s.volume());
            results.add(Evaluation.evaluate(s.id(), s.volume(), s.trueMask(), seg.mask(), s.positive(), seg.studyProbability()));
            // studies with hemorrhage, and false findings in studies without: both are what a reader checks
            if (out != null && drawn < overlays && (s.positive() || any(seg.mask()))) {
                writeOverlay(s, seg.mask(), out.resolve("overlay-" + s.id() + ".png"));
                drawn++;
            }
            System.err.printf(Locale.ROOT, "ichnode: evaluated %d/%d%n", i + 1, studies.size());
        }
        Evaluation.Report report = Evaluation.summarize(results, (System.nanoTime() - t0) / 1e9);
        if (out != null) {
            Files.writeString(out.resolve("report.json"), report.toJson() + "\n");
            Files.writeString(out.resolve("report.md"), markdown(segmenter, report, results));
        }
        return new Result(report, results);
    }

    record RealResult(RealEvaluation.Report report, List<RealEvaluation.StudyOutcome> studies) {}

    /**
     * Studies with image-level labels and masks on some slices at most ({@link RealEvaluation}), read one at a time
     * from {@code studies} so that a large set need not fit in memory. Overlays: the slices with the most found
     * hemorrhage, true outline (where masked) green, found red.
     */
    static RealResult runReal(Segmenter segmenter, Iterable<LabelledStudy> studies, int total, Path out, int overlays) throws IOException {
        if (out != null) Files.createDirectories(out);
        List<RealEvaluation.StudyOutcome> results = new ArrayList<>();
        long t0 = System.nanoTime();
        int drawn = 0, i = 0;
        for (LabelledStudy s : studies) {
            Segmentation seg = segmenter.segment(s.volume());
            RealEvaluation.StudyOutcome o = RealEvaluation.evaluate(s, seg);
            results.add(o);
            if (out != null && drawn < overlays && any(seg.mask())) {
                writeOverlay(s.trueMask() == null ? new LabelledStudy(s.id(), s.patientId(), s.volume(), s.positive(), null,
                        new byte[seg.mask().length]) : s, seg.mask(), out.resolve("overlay-" + s.id() + ".png"));
                drawn++;
            }
            System.err.printf(Locale.ROOT, "ichnode: evaluated %d/%d (%s, %s, p=%.3f, %.2f mL found)%n", ++i, total, s.id(),
                    s.positive() ? "hemorrhage" : "normal", o.probability(), o.foundMl());
        }
        RealEvaluation.Report report = RealEvaluation.summarize(results, (System.nanoTime() - t0) / 1e9);
        if (out != null) {
            Files.writeString(out.resolve("report.json"), report.toJson() + "\n");
            Files.writeString(out.resolve("report.md"), realMarkdown(segmenter, report, results));
        }
        return new RealResult(report, results);
    }

    private static String realMarkdown(Segmenter seg, RealEvaluation.Report r, List<RealEvaluation.StudyOutcome> studies) {
        StringBuilder b = new StringBuilder();
        b.append("# Evaluation on image-level labels: ").append(seg.algorithmName()).append(' ').append(seg.algorithmVersion()).append("\n\n");
        b.append(String.format(Locale.ROOT, "%d studies (%d with hemorrhage), %.1f s%n%n", r.studies(), r.positiveStudies(), r.seconds()));
        b.append("| metric | value |\n|---|---|\n");
        b.append(String.format(Locale.ROOT, "| study AUC | %s |%n| slice AUC | %s |%n", fmt(r.studyAuc()), fmt(r.sliceAuc())));
        b.append(String.format(Locale.ROOT, "| sensitivity (%d of %d) | %s |%n| specificity (%d of %d) | %s |%n", r.truePositive(),
                r.truePositive() + r.falseNegative(), fmt(r.sensitivity()), r.trueNegative(), r.trueNegative() + r.falsePositive(), fmt(r.specificity())));
        b.append(String.format(Locale.ROOT, "| sensitivity / specificity of the study probability alone (the call also needs a lesion drawn) | %s / %s |%n",
                fmt(r.sensitivityProbabilityOnly()), fmt(r.specificityProbabilityOnly())));
        b.append(String.format(Locale.ROOT, "| found in normal studies: median / 90th percentile / max | %s / %s / %s mL |%n",
                fmt(r.normalMedianMl()), fmt(r.normalP90Ml()), fmt(r.normalMaxMl())));
        b.append(String.format(Locale.ROOT, "| masked slices | %d |%n| Dice (pooled, masked slices) | %s |%n| mean per-slice Dice | %s |%n"
                        + "| IoU / mIoU (pooled, masked slices) | %s / %s |%n| lesions CL / ML / FPL (masked slices) | %d / %d / %d (of %d) |%n%n",
                r.maskedSlices(), fmt(r.maskedDice()), fmt(r.meanMaskedSliceDice()), fmt(r.maskedIou()), fmt(r.maskedMIou()),
                r.maskedLesions().correct(), r.maskedLesions().missed(), r.maskedLesions().falsePositive(), r.maskedLesions().trueLesions()));
        if (!r.subtypes().isEmpty()) {
            b.append("| subtype | slices | slices found | studies | studies called |\n|---|---|---|---|---|\n");
            r.subtypes().forEach((t, x) -> b.append(String.format(Locale.ROOT, "| %s | %d | %d (%s) | %d | %d (%s) |%n", t, x.slices(),
                    x.slicesFound(), fmt(x.sliceSensitivity()), x.studies(), x.studiesCalled(), fmt(x.studySensitivity()))));
            b.append('\n');
        }
        b.append("| study | label | probability | call | found mL |\n|---|---|---|---|---|\n");
        for (RealEvaluation.StudyOutcome s : studies) {
            b.append(String.format(Locale.ROOT, "| %s | %s | %.3f | %s | %.2f |%n", s.id(), s.positive() ? "ICH" : "none", s.probability(),
                    s.called() ? "hemorrhage" : "none", s.foundMl()));
        }
        return b.toString();
    }

    static String fmt(double d) { return Double.isFinite(d) ? String.format(Locale.ROOT, "%.3f", d) : "n/a"; }

    private static String markdown(Segmenter seg, Evaluation.Report r, List<Evaluation.StudyResult> studies) {
        StringBuilder b = new StringBuilder();
        b.append("# Evaluation: ").append(seg.algorithmName()).append(' ').append(seg.algorithmVersion()).append("\n\n");
        b.append(String.format(Locale.ROOT, "%d studies (%d with hemorrhage), %.1f s%n%n", r.studies(), r.positiveStudies(), r.seconds()));
        b.append("| metric | value |\n|---|---|\n");
        b.append(String.format(Locale.ROOT, "| Dice (pooled) | %.4f |%n| IoU (pooled) | %.4f |%n| mIoU (two-class) | %.4f |%n", r.pooledDice(), r.pooledIou(), r.pooledMIou()));
        b.append(String.format(Locale.ROOT, "| mean Dice of positive studies | %.4f |%n", r.meanDicePositive()));
        b.append(String.format(Locale.ROOT, "| lesions CL / ML / FPL | %d / %d / %d (of %d) |%n", r.lesions().correct(), r.lesions().missed(), r.lesions().falsePositive(), r.lesions().trueLesions()));
        b.append(String.format(Locale.ROOT, "| mean absolute volume error | %.2f mL |%n| study AUC | %s |%n%n", r.meanAbsVolumeErrorMl(),
                Double.isFinite(r.studyAuc()) ? String.format(Locale.ROOT, "%.4f", r.studyAuc()) : "n/a (one class)"));
        b.append("| study | label | probability | Dice | true mL | found mL | CL | ML | FPL |\n|---|---|---|---|---|---|---|---|---|\n");
        for (Evaluation.StudyResult s : studies) {
            b.append(String.format(Locale.ROOT, "| %s | %s | %.3f | %.3f | %.2f | %.2f | %d | %d | %d |%n", s.id(), s.positive() ? "ICH" : "none",
                    s.probability(), s.counts().dice(), s.trueMl(), s.predictedMl(), s.lesions().correct(), s.lesions().missed(), s.lesions().falsePositive()));
        }
        return b.toString();
    }

    /**
     * The slice with the most true hemorrhage (in a study without any: the most found), brain window, true outline
     * green, found outline red.
     */
    static void writeOverlay(LabelledStudy s, byte[] predicted, Path png) throws IOException {
        Volume v = s.volume();
        int w = v.columns(), h = v.rows(), per = w * h;
        int best = mostPixels(any(s.trueMask()) ? s.trueMask() : predicted, v.slices(), per);
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        int off = best * per;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int i = off + y * w + x;
                int g = (int) Math.max(0, Math.min(255, (v.hu()[i] - 0) * 255.0 / 80));
                int rgb = g << 16 | g << 8 | g;
                if (edge(s.trueMask(), off, w, h, x, y)) rgb = 0x00ff00;
                if (edge(predicted, off, w, h, x, y)) rgb = rgb == 0x00ff00 ? 0xffff00 : 0xff0000;
                img.setRGB(x, y, rgb);
            }
        }
        ImageIO.write(img, "png", png.toFile());
    }

    static boolean any(byte[] mask) {
        for (byte b : mask) if (b != 0) return true;
        return false;
    }

    private static int mostPixels(byte[] mask, int slices, int per) {
        int best = 0, bestArea = -1;
        for (int k = 0; k < slices; k++) {
            int a = 0;
            for (int i = k * per; i < (k + 1) * per; i++) a += mask[i];
            if (a > bestArea) { bestArea = a; best = k; }
        }
        return best;
    }

    private static boolean edge(byte[] m, int off, int w, int h, int x, int y) {
        if (m[off + y * w + x] == 0) return false;
        return x == 0 || y == 0 || x == w - 1 || y == h - 1 || m[off + y * w + x - 1] == 0 || m[off + y * w + x + 1] == 0
                || m[off + (y - 1) * w + x] == 0 || m[off + (y + 1) * w + x] == 0;
    }
}
