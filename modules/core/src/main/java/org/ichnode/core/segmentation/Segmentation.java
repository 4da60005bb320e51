package org.ichnode.core.segmentation;

import java.util.List;

/**
 * The result of segmenting one volume.
 *
 * @param mask              1 = hemorrhage, same voxel order as {@link org.ichnode.core.volume.Volume#hu()}
 * @param probability       per-voxel probability in 0..1 in the same order, or null when the segmenter has none
 * @param studyProbability  probability that the study shows hemorrhage, 0..1
 * @param findings          one entry per connected lesion, largest first
 */
public record Segmentation(byte[] mask, float[] probability, double studyProbability, List<Finding> findings,
                           String algorithmName, String algorithmVersion) {

    public Segmentation {
        if (probability != null && probability.length != mask.length) {
            throw new IllegalArgumentException("probability map size " + probability.length + " != mask size " + mask.length);
        }
        if (!(studyProbability >= 0 && studyProbability <= 1)) throw new IllegalArgumentException("studyProbability outside 0..1");
        findings = List.copyOf(findings);
    }

    public boolean hemorrhageFound() { return !findings.isEmpty(); }

    public double totalVolumeMl() { return findings.stream().mapToDouble(Finding::volumeMl).sum(); }
}
