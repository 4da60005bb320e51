package org.ichnode.core.segmentation;

import org.ichnode.core.geometry.Vec3;

/**
 * One connected hemorrhage lesion, measured.
 *
 * @param label                  1-based number of the lesion (its connected component), stable within a result
 * @param centroid               centre of mass in patient coordinates (mm)
 * @param longestAxialDiameterMm longest in-plane extent on any slice
 * @param firstSlice             first slice index (volume order) that contains it
 */
public record Finding(int label, long voxelCount, double volumeMl, Vec3 centroid, double longestAxialDiameterMm,
                      double meanHu, Laterality laterality, int firstSlice, int lastSlice) {

    /** Side of the patient, from where the lesion's voxels lie relative to the midline. */
    public enum Laterality { LEFT, RIGHT, BILATERAL, MIDLINE, UNKNOWN }
}
