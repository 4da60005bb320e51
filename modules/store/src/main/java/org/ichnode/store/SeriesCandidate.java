package org.ichnode.store;

/** A series that is ready to complete, with the header fields the selection rules look at. */
public record SeriesCandidate(
        long seriesId, String seriesUid, String studyUid, String modality, String bodyPart,
        String seriesDescription, Double sliceThickness, String imageOrientation, String imageType,
        int instanceCount, Integer expectedCount) {

    static SeriesCandidate of(Series s, String studyUid) {
        return new SeriesCandidate(s.getId(), s.getSeriesInstanceUid(), studyUid, s.getModality(), s.getBodyPart(),
                s.getSeriesDescription(), s.getSliceThickness(), s.getImageOrientation(), s.getImageType(),
                s.getInstanceCount(), s.getExpectedCount());
    }
}
