package org.ichnode.testkit.phantom;

import java.util.List;
import org.ichnode.core.volume.Volume;

/**
 * One generated study: a single axial CT series with its ground truth.
 *
 * <p>{@link #mask()} and {@link #tissue()} are indexed like {@link Volume#hu()} (slice-major, slices ordered along
 * the normal). The mask holds 1 where the voxel centre lies inside a hemorrhage, else 0. {@link #lesionBits()} holds,
 * per voxel, bit {@code id-1} for every lesion containing the voxel centre. Arrays are not copied: do not modify.
 */
public record PhantomStudy(
        long seed,
        int studyIndex,
        String studyId,
        String patientName,
        String patientId,
        String patientBirthDate,
        String patientSex,
        String studyInstanceUid,
        String seriesInstanceUid,
        String accessionNumber,
        String studyDate,
        String studyTime,
        double sliceThicknessMm,
        double tableIncrementMm,
        double gantryTiltDegrees,
        double pixelSpacingMm,
        double noiseSigmaHu,
        Volume volume,
        byte[] mask,
        short[] lesionBits,
        byte[] tissue,
        List<Lesion> lesions,
        List<Confounder> confounders,
        boolean[] sliceLabels) {

    public PhantomStudy {
        lesions = List.copyOf(lesions);
        confounders = List.copyOf(confounders);
    }

    /** Study label: true when any voxel is hemorrhage. */
    public boolean hemorrhage() {
        for (boolean b : sliceLabels) if (b) return true;
        return false;
    }

    public boolean sliceLabel(int slice) { return sliceLabels[slice]; }

    public int maskVoxelCount() {
        int n = 0;
        for (byte b : mask) n += b;
        return n;
    }

    public int maskVoxelCount(int slice) {
        int per = volume.voxelsPerSlice();
        int n = 0;
        for (int i = slice * per, end = i + per; i < end; i++) n += mask[i];
        return n;
    }

    public boolean mask(int column, int row, int slice) {
        return mask[(slice * volume.rows() + row) * volume.columns() + column] != 0;
    }

    public Tissue tissue(int column, int row, int slice) {
        return Tissue.of(tissue[(slice * volume.rows() + row) * volume.columns() + column]);
    }

    /** Spacing of slice planes along their normal (table increment times cos(tilt)). */
    public double spacingAlongNormalMm() {
        return volume.slices() < 2 ? sliceThicknessMm : volume.positionAlongNormal(1) - volume.positionAlongNormal(0);
    }

    /** E.g. "HEAD STD 5mm" or "HEAD STD 2.5mm TILT 12deg". */
    public String seriesDescription() {
        String t = sliceThicknessMm == Math.rint(sliceThicknessMm)
                ? Integer.toString((int) sliceThicknessMm) : Double.toString(sliceThicknessMm);
        String d = "HEAD STD " + t + "mm";
        if (gantryTiltDegrees != 0) d += " TILT " + Math.round(gantryTiltDegrees) + "deg";
        return d;
    }

    public double voxelVolumeMl() { return pixelSpacingMm * pixelSpacingMm * sliceThicknessMm / 1000.0; }
}
