package org.ichnode.store;

import java.time.LocalDate;
import java.util.Objects;

/**
 * What the receiver knows about a stored instance once its spool file is written and synced.
 * Header fields of study and series are taken from the first instance of each.
 *
 * @param expectedCount number of slices the series should have (e.g. ImagesInAcquisition), or null
 * @param sha256 lower-case hex of the spool file's bytes
 */
public record NewInstance(
        String studyUid, String seriesUid, String sopInstanceUid, String sopClassUid, String transferSyntaxUid,
        String patientId, String accessionNumber, LocalDate studyDate,
        String modality, String bodyPart, String seriesDescription,
        Double sliceThickness, String imageOrientation, String imageType, Integer expectedCount,
        String filePath, long sizeBytes, String sha256, String callingAe) {

    public NewInstance {
        Objects.requireNonNull(studyUid, "studyUid");
        Objects.requireNonNull(seriesUid, "seriesUid");
        Objects.requireNonNull(sopInstanceUid, "sopInstanceUid");
        Objects.requireNonNull(filePath, "filePath");
        Objects.requireNonNull(sha256, "sha256");
    }
}
