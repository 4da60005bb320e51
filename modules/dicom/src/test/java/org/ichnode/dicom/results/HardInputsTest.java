package org.ichnode.dicom.results;

import com.pixelmed.dicom.Attribute;
import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.PersonNameAttribute;
import com.pixelmed.dicom.CodeStringAttribute;
import com.pixelmed.dicom.TagFromName;
import com.pixelmed.dicom.TransferSyntax;
import org.ichnode.core.segmentation.Segmentation;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Valid output for hard input: a model whose name and version are far longer than LO allows, and sources whose
 * patient name is not ASCII (ISO_IR 100 Latin-1, ISO_IR 192 UTF-8). Every object the node writes passes dciodvfy
 * without errors and keeps the source's character set and name.
 */
class HardInputsTest {
    @TempDir Path tmp;

    @ParameterizedTest
    @CsvSource({"ISO_IR 100, Müller^Jürgen", "ISO_IR 192, 山田^太郎", "ISO_IR 192, Ødegård^Åsa=やまだ^たろう"})
    void longModelNamesAndNonAsciiPatientsGiveValidObjects(String charset, String patientName) throws Exception {
        Fixtures.Case c = Fixtures.synthetic(tmp.resolve("ct"), SegmentationObjectWriterTest.SYNTHETIC_BLOBS);
        for (Path f : c.files()) {
            AttributeList l = new AttributeList();
            l.read(f.toString());
            Attribute cs = new CodeStringAttribute(TagFromName.SpecificCharacterSet);
            cs.addValue(charset);
            l.put(cs);
            Attribute pn = new PersonNameAttribute(TagFromName.PatientName, new com.pixelmed.dicom.SpecificCharacterSet(new String[] {charset}));
            pn.addValue(patientName);
            l.put(pn);
            l.write(f.toFile(), TransferSyntax.ExplicitVRLittleEndian, true, true);
        }
        Segmentation s = c.segmentation();
        Segmentation longNamed = new Segmentation(s.mask(), s.probability(), 0.93, s.findings(),
                "ich-node weak U-Net with shallow LayerCAM pseudo masks, dense CRF and a density prior, retrained nightly",
                "2026.12.06-ct-ich-calibrated-three-windows-input-384-site-retrained-run-1234567", 0.33);
        List<ResultObjects.Written> out = ResultObjects.write(c.volume(), longNamed, c.files(),
                new ResultObjects.Options(true, false, "A-NODE-NAME-THAT-IS-LONG"), tmp.resolve("out"));
        for (ResultObjects.Written w : out) {
            Validators.dciodvfy(w.file());
            AttributeList l = new AttributeList();
            l.read(w.file().toString());
            assertEquals(charset, Attribute.getSingleStringValueOrNull(l, TagFromName.SpecificCharacterSet), w.kind() + " keeps the character set");
            assertEquals(patientName, Attribute.getSingleStringValueOrNull(l, TagFromName.PatientName), w.kind() + " keeps the name");
        }
    }

}
