package org.ichnode.core.segmentation;

import java.nio.file.Path;

/**
 * A segmenter kind that lives in a module of its own and is found at run time ({@link java.util.ServiceLoader}): the
 * TensorFlow SavedModel runner (modules/model-tf) is on the class path only where it is wanted, so a default node does
 * not carry TensorFlow's native library.
 */
public interface SegmenterProvider {
    /** Whether the model folder is one this provider runs. */
    boolean accepts(Path modelDir);

    /** Loads the model; a folder it accepts but cannot load throws with the reason. */
    Segmenter open(Path modelDir, int threads);
}
