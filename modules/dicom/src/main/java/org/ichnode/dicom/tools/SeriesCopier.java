package org.ichnode.dicom.tools;

import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.AttributeTag;
import com.pixelmed.dicom.DicomException;
import com.pixelmed.dicom.FileMetaInformation;
import com.pixelmed.dicom.TagFromName;
import com.pixelmed.dicom.TransferSyntax;
import com.pixelmed.dicom.UniqueIdentifierAttribute;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Copies a series under fresh Study, Series and SOP Instance UIDs (benchmarks and tests that need new data). */
public final class SeriesCopier {
    private SeriesCopier() {}

    public static List<Path> copyWithNewUids(List<Path> series, Path dir) throws IOException {
        Files.createDirectories(dir);
        String study = newUid();
        String seriesUid = newUid();
        List<Path> out = new ArrayList<>();
        try {
            for (Path f : series) {
                AttributeList list = new AttributeList();
                list.read(f.toFile());
                put(list, TagFromName.StudyInstanceUID, study);
                put(list, TagFromName.SeriesInstanceUID, seriesUid);
                put(list, TagFromName.SOPInstanceUID, newUid());
                list.removeMetaInformationHeaderAttributes();
                FileMetaInformation.addFileMetaInformation(list, TransferSyntax.ExplicitVRLittleEndian, "ICHNODE");
                Path target = dir.resolve(f.getFileName());
                list.write(target.toFile(), TransferSyntax.ExplicitVRLittleEndian, true, true);
                out.add(target);
            }
        } catch (DicomException e) {
            throw new IOException(e.getMessage(), e);
        }
        return out;
    }

    /** A UUID-derived UID (2.25 root, PS3.5 B.2). */
    public static String newUid() {
        return org.ichnode.dicom.UidGenerator.newUid();
    }

    private static void put(AttributeList list, AttributeTag tag, String value) throws DicomException {
        UniqueIdentifierAttribute a = new UniqueIdentifierAttribute(tag);
        a.addValue(value);
        list.put(a);
    }
}
