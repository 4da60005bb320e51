package org.ichnode.dicom.read;

import com.pixelmed.dicom.Attribute;
import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.TagFromName;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.ichnode.dicom.testing.Tools;

/** The shared real CT series (via {@link Tools}) and their expected slice order, computed independently of the
 *  code under test. */
final class RealCt {
    private RealCt() { }

    static Path dir(String name) { return Tools.realCt(name); }

    static List<Path> files(Path dir) throws IOException { return Tools.files(dir); }

    record Expected(String uid, double position) { }

    /** SOP Instance UIDs sorted by ImagePositionPatient . (row x col), computed here from the raw attributes. */
    static List<Expected> expectedOrder(List<Path> files) throws Exception {
        List<Expected> out = new ArrayList<>();
        for (Path f : files) {
            AttributeList l = new AttributeList();
            l.read(f.toString(), TagFromName.PixelData); // stop before the pixels
            double[] ipp = Attribute.getDoubleValues(l, TagFromName.ImagePositionPatient);
            double[] iop = Attribute.getDoubleValues(l, TagFromName.ImageOrientationPatient);
            double nx = iop[1] * iop[5] - iop[2] * iop[4];
            double ny = iop[2] * iop[3] - iop[0] * iop[5];
            double nz = iop[0] * iop[4] - iop[1] * iop[3];
            double len = Math.sqrt(nx * nx + ny * ny + nz * nz);
            double pos = (ipp[0] * nx + ipp[1] * ny + ipp[2] * nz) / len;
            out.add(new Expected(Attribute.getSingleStringValueOrNull(l, TagFromName.SOPInstanceUID), pos));
        }
        out.sort(Comparator.comparingDouble(Expected::position));
        return out;
    }
}
