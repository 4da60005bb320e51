package org.ichnode.dicom.results;

import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.DicomException;
import com.pixelmed.dicom.FileMetaInformation;
import com.pixelmed.dicom.TransferSyntax;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Objects;

/**
 * One DICOM instance built by a writer of this package, not yet written: its data set (without File Meta
 * Information) and the identifiers callers need to reference it.
 */
public record DicomObject(AttributeList attributes, String sopClassUid, String sopInstanceUid,
                          String seriesInstanceUid, String studyInstanceUid) {

    public DicomObject {
        Objects.requireNonNull(attributes, "attributes");
        Objects.requireNonNull(sopClassUid, "sopClassUid");
        Objects.requireNonNull(sopInstanceUid, "sopInstanceUid");
        Objects.requireNonNull(seriesInstanceUid, "seriesInstanceUid");
        Objects.requireNonNull(studyInstanceUid, "studyInstanceUid");
    }

    /** Writes a Part 10 file (Explicit VR Little Endian) atomically: to a temporary sibling, then moved in place. */
    public Path write(Path file) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        if (dir != null) Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, ".tmp-", ".dcm");
        try {
            AttributeList list = new AttributeList();
            list.putAll(attributes);
            FileMetaInformation.addFileMetaInformation(list, TransferSyntax.ExplicitVRLittleEndian, "ICHNODE");
            list.write(tmp.toFile(), TransferSyntax.ExplicitVRLittleEndian, true, true);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return file;
        } catch (DicomException e) {
            throw new IOException("cannot write " + file + ": " + e.getMessage(), e);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
