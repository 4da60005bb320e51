package org.ichnode.core.segmentation;

import org.ichnode.core.volume.Volume;

/**
 * Finds hemorrhage in a CT volume. Implementations: the HU-threshold baseline (kept as the bar every model must
 * beat) and the trained models (PyTorch, or an imported TensorFlow SavedModel). Must be safe to call from one worker thread at a time per instance.
 */
public interface Segmenter {

    Segmentation segment(Volume volume);

    /** Name and version written into the SEG (AlgorithmName / software versions) and the SR observer context. */
    String algorithmName();

    String algorithmVersion();
}
