package org.ichnode.app.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.ichnode.node.SegmenterChoice;
import org.ichnode.testkit.phantom.PhantomGenerator;
import org.ichnode.testkit.phantom.PhantomOptions;
import org.ichnode.testkit.phantom.PhantomStudy;
import org.ichnode.core.segmentation.Segmentation;
import org.ichnode.model.ModelSegmenter;

/**
 * {@code ./ichnode bench inference [--model DIR] [--slices 32] [--runs 5] [--threads 2]}: a 512x512 phantom series
 * through the model (preprocessing, U-Net, mapping back, lesions, classifiers) after two warm-up runs; prints the
 * median seconds and the process's peak resident memory (VmHWM), last line
 * {@code inference_seconds=X peak_rss_mb=Y}.
 */
public final class BenchInferenceCommand {

    public int run(Args args) throws Exception {
        String model = args.option("--model", "default");
        int slices = args.intOption("--slices", 32);
        int runs = args.intOption("--runs", 5);
        int threads = args.intOption("--threads", 2);
        args.requireNoneLeft();
        Path dir = model.equals("default") ? SegmenterChoice.defaultModel() : Path.of(model);
        PhantomStudy study = new PhantomGenerator(PhantomOptions.defaults().withSlices(slices, slices).withNegativeFraction(0)).generate(11, 3);
        try (ModelSegmenter seg = SegmenterChoice.load(dir, threads)) {
            System.out.printf(Locale.ROOT, "model %s %s, %d threads; series %dx%dx%d%n", seg.algorithmName(), seg.algorithmVersion(),
                    threads, study.volume().columns(), study.volume().rows(), study.volume().slices());
            for (int i = 0; i < 2; i++) seg.segment(study.volume());
            double[] t = new double[runs];
            for (int i = 0; i < runs; i++) {
                long t0 = System.nanoTime();
                Segmentation s = seg.segment(study.volume());
                t[i] = (System.nanoTime() - t0) / 1e9;
                System.out.printf(Locale.ROOT, "run %d: %.2f s, %d lesion(s), %.2f mL, study probability %.3f%n", i + 1, t[i],
                        s.findings().size(), s.totalVolumeMl(), s.studyProbability());
            }
            java.util.Arrays.sort(t);
            System.out.printf(Locale.ROOT, "inference_seconds=%.2f peak_rss_mb=%d%n", t[runs / 2], peakRssMb());
        }
        return 0;
    }

    /** VmHWM of this process (peak resident set, native memory included). */
    static long peakRssMb() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmHWM:")) return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
        }
        return -1;
    }
}
