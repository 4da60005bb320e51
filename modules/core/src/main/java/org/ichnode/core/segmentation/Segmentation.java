package org.ichnode.core.segmentation;

import java.util.List;

/**
 * The result of segmenting one volume.
 *
 * @param mask              1 = hemorrhage, same voxel order as {@link org.ichnode.core.volume.Volume#hu()}
 * @param probability       per-voxel probability in 0..1 in the same order, or null when the segmenter has none
 * @param studyProbability  probability that the study shows hemorrhage, 0..1
 * @param findings          one entry per connected lesion, largest first
 * @param operatingPoint    the study probability from which this segmenter calls "hemorrhage" (below it nothing is
 *                          drawn); 0 where any finding is a call (the HU baseline, a model without an operating point)
 */
public record Segmentation(byte[] mask, float[] probability, double studyProbability, List<Finding> findings,
                           String algorithmName, String algorithmVersion, double operatingPoint) {

    public Segmentation {
        if (probability != null && probability.length != mask.length) {
            throw new IllegalArgumentException("probability map size " + probability.length + " != mask size " + mask.length);
        }
        if (!(studyProbability >= 0 && studyProbability <= 1)) throw new IllegalArgumentException("studyProbability outside 0..1");
        if (!(operatingPoint >= 0 && operatingPoint <= 1)) throw new IllegalArgumentException("operatingPoint outside 0..1");
        findings = List.copyOf(findings);
    }

    /** A segmentation whose every finding is a call (no operating point). */
    public Segmentation(byte[] mask, float[] probability, double studyProbability, List<Finding> findings,
                        String algorithmName, String algorithmVersion) {
        this(mask, probability, studyProbability, findings, algorithmName, algorithmVersion, 0);
    }

    /** True when the study probability lies below the operating point: the call is "no hemorrhage". */
    public boolean belowOperatingPoint() { return studyProbability < operatingPoint; }

    public boolean hemorrhageFound() { return !findings.isEmpty(); }

    /** What worklists, banners and alerts say for a positive call. */
    public static final String SUSPECTED = "SUSPECTED HEMORRHAGE";
    /** What they say for a negative one (quiet, in lower case, so a sort or a glance tells the two apart). */
    public static final String NOT_DETECTED = "no hemorrhage detected";

    /** {@link #SUSPECTED} or {@link #NOT_DETECTED}. */
    public String callText() { return hemorrhageFound() ? SUSPECTED : NOT_DETECTED; }

    public double totalVolumeMl() { return findings.stream().mapToDouble(Finding::volumeMl).sum(); }
}
