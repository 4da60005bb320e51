package org.ichnode.core.selection;

import java.util.Arrays;
import java.util.List;
import org.ichnode.core.geometry.Vec3;

/**
 * What series selection looks at, taken from one representative instance of a series plus the instance count.
 * Any field may be null when the attribute is absent.
 *
 * @param modality          Modality (0008,0060)
 * @param bodyPart          BodyPartExamined (0018,0015)
 * @param seriesDescription SeriesDescription (0008,103E)
 * @param imageType         ImageType (0008,0008) values, e.g. [ORIGINAL, PRIMARY, AXIAL]
 * @param sliceThicknessMm  SliceThickness (0018,0050)
 * @param rowDirection      first three values of ImageOrientationPatient
 * @param columnDirection   last three values of ImageOrientationPatient
 * @param instanceCount     instances received in the series
 */
public record SeriesDescriptor(String modality, String bodyPart, String seriesDescription, List<String> imageType,
                               Double sliceThicknessMm, Vec3 rowDirection, Vec3 columnDirection,
                               Integer instanceCount) {

    public SeriesDescriptor {
        imageType = imageType == null ? List.of() : List.copyOf(imageType);
    }

    /**
     * @param imageType   backslash-delimited ImageType, e.g. "ORIGINAL\PRIMARY\AXIAL" (null allowed)
     * @param orientation backslash-delimited ImageOrientationPatient "r1\r2\r3\c1\c2\c3" (null allowed)
     */
    public static SeriesDescriptor of(String modality, String bodyPart, String seriesDescription, String imageType,
                                      Double sliceThicknessMm, String orientation, Integer instanceCount) {
        Vec3[] rc = parseOrientation(orientation);
        return new SeriesDescriptor(modality, bodyPart, seriesDescription, splitImageType(imageType),
                sliceThicknessMm, rc == null ? null : rc[0], rc == null ? null : rc[1], instanceCount);
    }

    /** "ORIGINAL\PRIMARY\AXIAL" -> [ORIGINAL, PRIMARY, AXIAL], trimmed and upper-cased; null/blank -> []. */
    public static List<String> splitImageType(String imageType) {
        if (imageType == null || imageType.isBlank()) return List.of();
        return Arrays.stream(imageType.split("\\\\")).map(s -> s.trim().toUpperCase(java.util.Locale.ROOT)).toList();
    }

    /** Parses "r1\r2\r3\c1\c2\c3" into {row, column}; null for null/blank; IllegalArgumentException if malformed. */
    public static Vec3[] parseOrientation(String orientation) {
        if (orientation == null || orientation.isBlank()) return null;
        String[] parts = orientation.trim().split("\\\\");
        if (parts.length != 6) {
            throw new IllegalArgumentException("ImageOrientationPatient needs 6 values, got " + parts.length + ": " + orientation);
        }
        double[] v = new double[6];
        for (int i = 0; i < 6; i++) {
            try {
                v[i] = Double.parseDouble(parts[i].trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("ImageOrientationPatient value " + (i + 1) + " is not a number: " + orientation);
            }
        }
        return new Vec3[] {new Vec3(v[0], v[1], v[2]), new Vec3(v[3], v[4], v[5])};
    }

    /** Unit slice normal, or null when the orientation is unknown or degenerate. */
    public Vec3 normal() {
        if (rowDirection == null || columnDirection == null) return null;
        Vec3 c = rowDirection.cross(columnDirection);
        return c.norm() < 1e-6 ? null : c.normalized();
    }
}
