package org.ichnode.core.segmentation;

import org.ichnode.core.geometry.Vec3;

/**
 * One connected hemorrhage lesion, measured.
 *
 * @param label                  1-based number of the lesion (its connected component), stable within a result
 * @param centroid               centre of mass in patient coordinates (mm)
 * @param longestAxialDiameterMm longest in-plane extent on any slice
 * @param firstSlice             first slice index (volume order) that contains it
 * @param probability            the segmenter's own confidence in this lesion, 0..1 (the model's mean voxel
 *                               probability inside it), NaN where the segmenter has none
 */
public record Finding(int label, long voxelCount, double volumeMl, Vec3 centroid, double longestAxialDiameterMm,
                      double meanHu, Laterality laterality, int firstSlice, int lastSlice, double probability) {

    public Finding {
        if (!Double.isNaN(probability) && !(probability >= 0 && probability <= 1)) {
            throw new IllegalArgumentException("lesion probability outside 0..1: " + probability);
        }
    }

    /** A lesion measured without a probability of its own. */
    public Finding(int label, long voxelCount, double volumeMl, Vec3 centroid, double longestAxialDiameterMm,
                   double meanHu, Laterality laterality, int firstSlice, int lastSlice) {
        this(label, voxelCount, volumeMl, centroid, longestAxialDiameterMm, meanHu, laterality, firstSlice, lastSlice, Double.NaN);
    }

    public Finding withProbability(double p) {
        return new Finding(label, voxelCount, volumeMl, centroid, longestAxialDiameterMm, meanHu, laterality, firstSlice, lastSlice, p);
    }

    public boolean hasProbability() { return !Double.isNaN(probability); }

    /** Side of the patient, from where the lesion's voxels lie relative to the midline. */
    public enum Laterality { LEFT, RIGHT, BILATERAL, MIDLINE, UNKNOWN }
}
