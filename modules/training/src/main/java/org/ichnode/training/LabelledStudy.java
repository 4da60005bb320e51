package org.ichnode.training;

import java.util.List;
import java.util.Set;
import org.ichnode.testkit.phantom.PhantomStudy;
import org.ichnode.core.volume.Volume;

/**
 * A study as the learning loop sees it: the CT volume and the labels a report gives.
 *
 * @param id            study id (e.g. Study Instance UID or phantom id); never a patient name
 * @param patientId     for patient-wise splits (no patient in two splits)
 * @param volume        the CT in HU
 * @param positive      study label: hemorrhage somewhere in the study
 * @param sliceLabels   per-slice labels when known, else null (study label only)
 * @param trueMask      the true hemorrhage mask in Volume voxel order when known (phantom, annotated import), else
 *                      null; used for evaluation and the fully supervised reference only, never by weak training
 * @param maskedSlices  which slices {@code trueMask} was drawn on; null = all of them (real sets mask a few slices only)
 * @param sliceSubtypes per slice the hemorrhage subtypes the labels name (e.g. "epidural"), else null; evaluation only
 */
public record LabelledStudy(String id, String patientId, Volume volume, boolean positive, boolean[] sliceLabels, byte[] trueMask,
                            boolean[] maskedSlices, List<Set<String>> sliceSubtypes) {

    public LabelledStudy {
        if (sliceLabels != null && sliceLabels.length != volume.slices()) {
            throw new IllegalArgumentException(sliceLabels.length + " slice labels for " + volume.slices() + " slices");
        }
        if (trueMask != null && trueMask.length != volume.hu().length) throw new IllegalArgumentException("mask size");
        if (maskedSlices != null && (trueMask == null || maskedSlices.length != volume.slices())) {
            throw new IllegalArgumentException("masked slices need a mask and one flag per slice");
        }
        if (sliceSubtypes != null) {
            if (sliceSubtypes.size() != volume.slices()) throw new IllegalArgumentException("one subtype set per slice");
            sliceSubtypes = List.copyOf(sliceSubtypes);
        }
    }

    public LabelledStudy(String id, String patientId, Volume volume, boolean positive, boolean[] sliceLabels, byte[] trueMask) {
        this(id, patientId, volume, positive, sliceLabels, trueMask, null, null);
    }

    public static LabelledStudy fromPhantom(PhantomStudy s) {
        return new LabelledStudy(s.studyId(), s.patientId(), s.volume(), s.hemorrhage(), s.sliceLabels().clone(), s.mask());
    }

    /** The same study with its slice labels hidden: what a study-level report gives. */
    public LabelledStudy studyLabelOnly() {
        return new LabelledStudy(id, patientId, volume, positive, null, trueMask, maskedSlices, sliceSubtypes);
    }

    /** Whether slice {@code k} has a true mask. */
    public boolean masked(int k) { return trueMask != null && (maskedSlices == null || maskedSlices[k]); }

    /** A true mask on every slice (phantoms, fully annotated imports). */
    public boolean fullyMasked() { return trueMask != null && maskedSlices == null; }
}
