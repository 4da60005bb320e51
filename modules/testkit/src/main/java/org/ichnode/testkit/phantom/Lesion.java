package org.ichnode.testkit.phantom;

import org.ichnode.core.geometry.Vec3;

/**
 * One hemorrhage of a phantom study, as rendered.
 *
 * @param id            1-based, stable within the study; bit {@code id-1} in the study's lesion bits
 * @param type          clinical type
 * @param centre        nominal centre in patient coordinates (LPS, mm)
 * @param nominalHu     attenuation of the blood before partial volume and noise (45..90)
 * @param voxelCount    voxels whose centre lies inside this lesion (voxels may be shared by overlapping lesions)
 * @param volumeMl      voxelCount times the voxel volume (in-plane spacing squared times slice thickness), in mL, rounded to 1e-6
 * @param sizeMm        characteristic size: diameter (IPH), maximal thickness (SDH, EDH), region diameter (SAH, IVH)
 * @param firstSlice    lowest slice index containing a voxel of it
 * @param lastSlice     highest slice index containing a voxel of it
 */
public record Lesion(int id, LesionType type, Vec3 centre, double nominalHu, int voxelCount, double volumeMl,
                     double sizeMm, int firstSlice, int lastSlice) {
}
