package org.ichnode.dicom.results;

import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.TagFromName;

import java.time.LocalDateTime;

/**
 * The modules every result object shares, written once for the SEG, the SR and the overlay images: patient and study
 * (copied from the source series, with its Specific Character Set), SOP Common, General Series, General Equipment, and
 * the instance number with content date and time. The constructor checks what it is given, as highdicom's do.
 */
record ResultHeader(String sopClassUid, String sopInstanceUid, String modality, String seriesInstanceUid, int seriesNumber,
                    String seriesDescription, int instanceNumber, LocalDateTime now) {
    ResultHeader {
        if (sopClassUid == null || sopInstanceUid == null || seriesInstanceUid == null) throw new ResultBuildException("UIDs are missing");
        if (modality == null || modality.isBlank() || modality.length() > 16) throw new ResultBuildException("modality must be 1..16 characters");
        if (seriesNumber < 0) throw new ResultBuildException("seriesNumber must be >= 0");
        if (seriesDescription == null || seriesDescription.isBlank() || seriesDescription.length() > 64)
            throw new ResultBuildException("seriesDescription must be 1..64 characters");
        if (instanceNumber < 1) throw new ResultBuildException("instanceNumber must be >= 1");
        if (now == null) throw new ResultBuildException("no creation time");
    }

    void writeTo(AttributeList list, SourceImages sources, ResultDevice device) {
        sources.copyPatientAndStudy(list);
        Dcm.put(list, TagFromName.SOPClassUID, sopClassUid);
        Dcm.put(list, TagFromName.SOPInstanceUID, sopInstanceUid);
        Dcm.put(list, TagFromName.InstanceCreationDate, Dcm.date(now));
        Dcm.put(list, TagFromName.InstanceCreationTime, Dcm.time(now));
        Dcm.put(list, TagFromName.Modality, modality);
        Dcm.put(list, TagFromName.SeriesInstanceUID, seriesInstanceUid);
        Dcm.put(list, TagFromName.SeriesNumber, Integer.toString(seriesNumber));
        Dcm.put(list, TagFromName.SeriesDescription, seriesDescription);
        Dcm.put(list, TagFromName.SeriesDate, Dcm.date(now));
        Dcm.put(list, TagFromName.SeriesTime, Dcm.time(now));
        Dcm.put(list, TagFromName.Manufacturer, device.manufacturer());
        Dcm.put(list, TagFromName.ManufacturerModelName, device.algorithmName());
        Dcm.put(list, TagFromName.DeviceSerialNumber, device.serialNumber());
        Dcm.put(list, TagFromName.SoftwareVersions, device.algorithmVersion());
        Dcm.put(list, TagFromName.InstanceNumber, Integer.toString(instanceNumber));
        Dcm.put(list, TagFromName.ContentDate, Dcm.date(now));
        Dcm.put(list, TagFromName.ContentTime, Dcm.time(now));
    }
}
