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
import org.ichnode.model.Evaluation;
import org.ichnode.model.LabelledStudy;

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

    private static boolean any(byte[] mask) {
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
