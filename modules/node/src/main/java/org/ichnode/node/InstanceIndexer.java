package org.ichnode.node;

import org.ichnode.dicom.spool.InstanceHeader;
import org.ichnode.dicom.spool.InstanceIndex;
import org.ichnode.dicom.spool.StoredInstance;
import org.ichnode.store.InstanceRecorder;
import org.ichnode.store.NewInstance;
import org.ichnode.store.RecordResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/** Records spooled instances in the database (the spool's {@link InstanceIndex}). */
final class InstanceIndexer implements InstanceIndex {
    private static final Logger log = LoggerFactory.getLogger(InstanceIndexer.class);

    private final InstanceRecorder recorder;

    InstanceIndexer(InstanceRecorder recorder) {
        this.recorder = recorder;
    }

    @Override
    public void record(StoredInstance s) {
        InstanceHeader h = s.header();
        RecordResult r = recorder.record(new NewInstance(h.studyInstanceUid(), h.seriesInstanceUid(), h.sopInstanceUid(),
                h.sopClassUid(), h.transferSyntaxUid(), h.patientId(), h.accessionNumber(), parseDate(h.studyDate()),
                h.modality(), h.bodyPartExamined(), h.seriesDescription(), h.sliceThicknessMm(), h.imageOrientation(),
                h.imageType(), h.imagesInAcquisition(), s.file().toString(), s.sizeBytes(), s.sha256(), s.callingAeTitle()));
        if (r.seriesReopened()) log.info("series {} reopened by a late instance {}", h.seriesInstanceUid(), h.sopInstanceUid());
        else if (r.duplicate()) log.info("instance {} received again ({})", h.sopInstanceUid(), r.outcome());
    }

    @Override
    public boolean moved(String sopInstanceUid, java.nio.file.Path from, java.nio.file.Path to) {
        return recorder.moveFile(sopInstanceUid, from.toString(), to.toString());
    }

    private static LocalDate parseDate(String da) {
        if (da == null || da.length() < 8) return null;
        try {
            return LocalDate.parse(da.substring(0, 8), DateTimeFormatter.BASIC_ISO_DATE);
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
