package org.ichnode.training.data;

import java.util.ArrayList;
import java.util.List;
import org.ichnode.testkit.phantom.PhantomGenerator;
import org.ichnode.testkit.phantom.PhantomOptions;
import org.ichnode.training.LabelledStudy;

/**
 * Phantom studies for the model commands: {@code --phantom small} (128x128x12, fast) or {@code full} (512x512, 24
 * to 64 slices, as a scanner writes them). Study i of seed s is always the same study; training and test sets use
 * disjoint index ranges, so no phantom patient is in both.
 */
public final class PhantomStudies {
    private PhantomStudies() {}

    public static PhantomOptions options(String kind) {
        return switch (kind) {
            case "small" -> PhantomOptions.small();
            case "full" -> PhantomOptions.defaults();
            case "realistic" -> PhantomOptions.defaults().withSkullRealism(true);
            default -> throw new IllegalArgumentException("--phantom must be small, full or realistic, got '" + kind + "'");
        };
    }

    public static List<LabelledStudy> generate(PhantomOptions options, long seed, int from, int count, boolean studyLabelsOnly) {
        PhantomGenerator gen = new PhantomGenerator(options);
        List<LabelledStudy> out = new ArrayList<>(count);
        for (int i = from; i < from + count; i++) {
            LabelledStudy s = LabelledStudy.fromPhantom(gen.generate(seed, i));
            out.add(studyLabelsOnly ? s.studyLabelOnly() : s);
            if ((i - from + 1) % 20 == 0) System.err.printf("ichnode: generated %d/%d phantom studies%n", i - from + 1, count);
        }
        return out;
    }

    /**
     * {@code count} phantom series of {@code slices} 256 x 256 slices written as DICOM under {@code dir} (seeds
     * {@code firstSeed}, {@code firstSeed + 1}, ...), each as its files in slice order: what the benchmarks send.
     */
    public static List<List<java.nio.file.Path>> dicomSeries(java.nio.file.Path dir, int count, long firstSeed, int slices) throws java.io.IOException {
        List<List<java.nio.file.Path>> series = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            org.ichnode.testkit.phantom.PhantomExporter.ExportedStudy s = org.ichnode.testkit.phantom.PhantomExporter.export(dir.resolve("series-" + i),
                    firstSeed + i, 1, PhantomOptions.defaults().withMatrix(256, 256).withPixelSpacing(0.9, 1.0).withSlices(slices, slices).withTilt(0, 0)).get(0);
            try (java.util.stream.Stream<java.nio.file.Path> f = java.nio.file.Files.list(s.directory().resolve("dicom"))) {
                series.add(f.sorted().toList());
            }
        }
        return series;
    }
}
