package org.ichnode.model.tf;

import org.ichnode.core.segmentation.Segmenter;
import org.ichnode.core.segmentation.SegmenterProvider;

import java.nio.file.Files;
import java.nio.file.Path;

/** Runs an imported TensorFlow SavedModel: a folder with {@value SavedModelSidecar#FILE_NAME} beside saved_model.pb. */
public final class SavedModelProvider implements SegmenterProvider {
    @Override
    public boolean accepts(Path modelDir) {
        return Files.isRegularFile(modelDir.resolve(SavedModelSidecar.FILE_NAME));
    }

    @Override
    public Segmenter open(Path modelDir, int threads) {
        return SavedModelSegmenter.load(modelDir, SavedModelSegmenter.Options.defaults().withThreads(threads));
    }
}
