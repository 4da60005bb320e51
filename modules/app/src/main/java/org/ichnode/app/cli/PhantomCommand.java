package org.ichnode.app.cli;

import org.ichnode.testkit.phantom.PhantomOptions;
import org.ichnode.testkit.phantom.PhantomExporter;

import java.nio.file.Path;
import java.util.List;

/**
 * {@code ./ichnode phantom --out DIR --seed N --studies K [--size PIXELS | --small]}: synthetic head CT with ground
 * truth; {@code --small} writes the 128x128 x 12-slice test phantoms (coarser pixels, the whole head in the field).
 */
public final class PhantomCommand {

    public int run(Args args) throws Exception {
        String out = args.option("--out");
        if (out == null) throw new IllegalArgumentException("phantom needs --out DIR");
        long seed = Long.parseLong(args.option("--seed", "1"));
        int studies = args.intOption("--studies", 1);
        boolean small = args.flag("--small");
        int size = args.intOption("--size", 512);
        args.requireNoneLeft();
        if (studies < 1) throw new IllegalArgumentException("--studies must be at least 1");
        PhantomOptions options = small ? PhantomOptions.small() : PhantomOptions.defaults().withMatrix(size, size);
        long t0 = System.nanoTime();
        List<PhantomExporter.ExportedStudy> written = PhantomExporter.export(Path.of(out), seed, studies, options);
        for (PhantomExporter.ExportedStudy s : written) {
            System.out.printf("%s  %2d slices  hemorrhage=%s  %s%n", s.studyId(), s.slices(), s.hemorrhage() ? "yes" : "no", s.directory());
        }
        System.out.printf("wrote %d studies to %s in %.1f s (labels-study.csv, labels-slice.csv, per study dicom/, truth-mask.raw, truth.json)%n",
                written.size(), out, (System.nanoTime() - t0) / 1e9);
        return 0;
    }
}
