package org.ichnode.app.cli;

import java.nio.file.Path;
import java.util.List;
import org.ichnode.model.LabelledStudy;

/**
 * {@code --data}: where the model commands take studies from: {@code phantom:small}, {@code phantom:full} (generated:
 * {@code --studies N} from index {@code --from I} of {@code --seed S}) or the path of an imported folder
 * ({@link FolderDataset}).
 */
public record DatasetOption(String data, long seed, int from, int studies) {

    public static DatasetOption parse(Args args, String defaultData, int defaultFrom, int defaultStudies) {
        DatasetOption d = new DatasetOption(args.option("--data", defaultData), Long.parseLong(args.option("--seed", "7")),
                args.intOption("--from", defaultFrom), args.intOption("--studies", defaultStudies));
        if (d.studies < 1 || d.from < 0) throw new IllegalArgumentException("--studies must be >= 1 and --from >= 0");
        return d;
    }

    public boolean isPhantom() { return data.startsWith("phantom:"); }

    public List<LabelledStudy> load(boolean studyLabelsOnly) throws java.io.IOException {
        if (isPhantom()) {
            return PhantomStudies.generate(PhantomStudies.options(data.substring("phantom:".length())), seed, from, studies, studyLabelsOnly);
        }
        return FolderDataset.load(Path.of(data), studyLabelsOnly);
    }

    /** Phantom studies right after the training range (disjoint patients), for held-out metrics. */
    DatasetOption heldOut(int count) { return new DatasetOption(data, seed, from + studies, count); }

    public String describe() { return isPhantom() ? data + " seed " + seed + " studies " + from + ".." + (from + studies - 1) : data; }
}
