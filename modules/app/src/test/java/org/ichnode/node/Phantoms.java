package org.ichnode.node;

import org.ichnode.testkit.phantom.PhantomOptions;
import org.ichnode.testkit.phantom.PhantomExporter;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** Small phantom studies for the node tests: 256x256 (about 1 mm pixels), 24 slices, with or without hemorrhage. */
final class Phantoms {
    private Phantoms() {}

    static final PhantomOptions SMALL = PhantomOptions.defaults().withMatrix(256, 256).withPixelSpacing(0.9, 1.0)
            .withSlices(24, 24).withTilt(0, 0);

    /** The DICOM files of the first study, from seed 1 on, whose hemorrhage label is {@code hemorrhage}. */
    static List<Path> study(Path dir, boolean hemorrhage) throws Exception {
        for (long seed = 1; seed < 50; seed++) {
            Path out = dir.resolve("seed-" + seed);
            PhantomExporter.ExportedStudy s = PhantomExporter.export(out, seed, 1, SMALL).get(0);
            if (s.hemorrhage() == hemorrhage) {
                try (Stream<Path> files = Files.list(s.directory().resolve("dicom"))) {
                    return files.sorted().toList();
                }
            }
        }
        throw new IllegalStateException("no phantom study with hemorrhage=" + hemorrhage + " in 50 seeds");
    }
}
