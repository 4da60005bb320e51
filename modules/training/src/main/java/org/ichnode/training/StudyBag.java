package org.ichnode.training;

import org.ichnode.core.preprocess.PreparedSlice;

import java.util.List;

/**
 * The slices of one study with the only label a report gives: hemorrhage somewhere in the study, or none. A positive
 * bag has at least one positive slice (which ones is unknown); every slice of a negative bag is negative.
 */
public record StudyBag(String studyId, List<PreparedSlice> slices, boolean positive) {
    public StudyBag {
        slices = List.copyOf(slices);
        if (slices.isEmpty()) throw new IllegalArgumentException("study " + studyId + " has no slices");
    }
}
