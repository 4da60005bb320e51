package org.ichnode.testkit.phantom;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.ichnode.testkit.phantom.PhantomStudy;
import org.ichnode.dicom.write.CtSeriesWriter;

/**
 * Writes a {@link PhantomStudy} as a CT Image Storage series: one Part-10 file per slice, Explicit VR Little Endian,
 * 12 bits stored unsigned with RescaleIntercept -1024. File names are a hash of the SOP Instance UID, so their order
 * says nothing about slice order. Output is a pure function of the study (no clock), so the same study gives the
 * same bytes.
 */
public final class PhantomDicomWriter {
    public static final String MANUFACTURER = "ich-node phantom";
    public static final int RESCALE_INTERCEPT = CtSeriesWriter.RESCALE_INTERCEPT;

    /** What the phantom's scanner says it did: constant, so that output stays a pure function of the study. */
    private static final List<String[]> ACQUISITION = List.of(
            new String[] {"KVP", "120"}, new String[] {"ScanOptions", "AXIAL MODE"}, new String[] {"DataCollectionDiameter", "500"},
            new String[] {"DistanceSourceToDetector", "1085.6"}, new String[] {"DistanceSourceToPatient", "595"},
            new String[] {"TableHeight", "160"}, new String[] {"RotationDirection", "CW"}, new String[] {"ExposureTime", "1000"},
            new String[] {"XRayTubeCurrent", "300"}, new String[] {"Exposure", "300"}, new String[] {"FilterType", "HEAD"},
            new String[] {"FocalSpots", "0.7"}, new String[] {"ConvolutionKernel", "STANDARD"}, new String[] {"RevolutionTime", "1"},
            new String[] {"SingleCollimationWidth", "0.625"}, new String[] {"TotalCollimationWidth", "20"});

    private PhantomDicomWriter() {}

    /** File name of a slice: see {@link CtSeriesWriter#fileName}. */
    public static String fileName(String sopInstanceUid) { return CtSeriesWriter.fileName(sopInstanceUid); }

    /**
     * Writes every slice into {@code dir} (created if needed).
     *
     * @return the written files in slice order (the order of the study's Volume)
     */
    public static List<Path> writeSeries(PhantomStudy study, Path dir) throws IOException {
        return CtSeriesWriter.write(series(study), study.volume(), dir);
    }

    static CtSeriesWriter.Series series(PhantomStudy s) {
        int age = Integer.parseInt(s.studyDate().substring(0, 4)) - Integer.parseInt(s.patientBirthDate().substring(0, 4));
        List<String[]> more = new java.util.ArrayList<>(ACQUISITION);
        more.add(new String[] {"PatientAge", String.format(java.util.Locale.ROOT, "%03dY", age)});
        return new CtSeriesWriter.Series(s.patientName(), s.patientId(), s.patientBirthDate(), s.patientSex(), false,
                s.studyInstanceUid(), s.seriesInstanceUid(), s.studyId(), s.accessionNumber(), s.studyDate(), s.studyTime(),
                "CT HEAD WITHOUT CONTRAST (SYNTHETIC)", s.seriesDescription(), MANUFACTURER, "ich-node synthetic data", "PHANTOM",
                "Synthetic Head CT", "ich-node-phantom-1", s.sliceThicknessMm(), s.gantryTiltDegrees(), more);
    }

    static String ds(double value) { return CtSeriesWriter.ds(value); }
}
