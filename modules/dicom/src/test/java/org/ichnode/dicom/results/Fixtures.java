package org.ichnode.dicom.results;

import org.ichnode.core.geometry.Vec3;
import org.ichnode.core.segmentation.Finding;
import org.ichnode.core.segmentation.Segmentation;
import org.ichnode.core.volume.EllipseHead;
import org.ichnode.core.volume.SliceGeometry;
import org.ichnode.core.volume.Volume;
import org.ichnode.dicom.read.SeriesVolumeLoader;
import org.ichnode.dicom.testing.Tools;
import org.ichnode.dicom.write.CtSeriesWriter;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Source series (synthetic and the real tilted GE head CT) with hand-placed hemorrhage masks. */
final class Fixtures {
    private Fixtures() { }

    /** A source series on disk, its volume, and a segmentation of it. */
    record Case(List<Path> files, Volume volume, Segmentation segmentation) { }

    /** One elliptic blob: centre (column, row), radii in pixels, on slices first..last. */
    record Blob(double column, double row, double radiusColumns, double radiusRows, int firstSlice, int lastSlice,
                Finding.Laterality laterality) { }

    /** 99 x 121 pixels (11979 per frame, not a multiple of 8), 7 slices, gantry tilt 12 degrees. */
    static Case synthetic(Path dir, List<Blob> blobs) throws IOException {
        Volume head = EllipseHead.volume(99, 121, 7, 2.0, 5.0, 12, "2.25.81230917.1.1");
        CtSeriesWriter.Series series = new CtSeriesWriter.Series("Test^Fixture", "FIX-0001", "19600101", "O", false,
                "2.25.81230917.1", "2.25.81230917.1.1", "1", "ACC0001", "20261201", "101500",
                "CT HEAD (TEST FIXTURE)", "Head 5mm", "ich-node tests", "ich-node tests", "TEST", "Ellipse head", "1",
                5.0, 12, List.of());
        List<Path> files = CtSeriesWriter.write(series, head, dir);
        Volume v = new SeriesVolumeLoader().load(files).volumeOrThrow();
        return new Case(files, v, segmentation(v, blobs));
    }

    /** The real GE series (28 slices 512x512, tilt 18.5 degrees); skips when the shared data is absent. */
    static Case realTilted(List<Blob> blobs) throws IOException {
        List<Path> files = Tools.files(Tools.realCt("ge-head-tilted"));
        Volume v = new SeriesVolumeLoader().load(files).volumeOrThrow();
        return new Case(files, v, segmentation(v, blobs));
    }

    static Segmentation segmentation(Volume v, List<Blob> blobs) {
        byte[] mask = new byte[v.hu().length];
        List<Finding> findings = new ArrayList<>();
        int label = 0;
        for (Blob b : blobs) {
            label++;
            long count = 0;
            double sumHu = 0;
            double maxDiameter = 0;
            Vec3 sum = new Vec3(0, 0, 0);
            for (int s = b.firstSlice(); s <= b.lastSlice(); s++) {
                SliceGeometry g = v.slice(s);
                for (int r = 0; r < v.rows(); r++) {
                    for (int c = 0; c < v.columns(); c++) {
                        double dc = (c - b.column()) / b.radiusColumns();
                        double dr = (r - b.row()) / b.radiusRows();
                        if (dc * dc + dr * dr > 1) continue;
                        int i = (s * v.rows() + r) * v.columns() + c;
                        if (mask[i] == 0) {
                            mask[i] = 1;
                            count++;
                            sumHu += v.hu()[i];
                            sum = sum.plus(g.pixelToPatient(c, r));
                        }
                    }
                }
                maxDiameter = Math.max(maxDiameter, 2 * Math.max(b.radiusColumns() * g.columnSpacingMm(), b.radiusRows() * g.rowSpacingMm()));
            }
            SliceGeometry g0 = v.slice(0);
            double thickness = v.slices() > 1 ? Math.abs(v.positionAlongNormal(1) - v.positionAlongNormal(0)) : 1;
            double ml = count * g0.rowSpacingMm() * g0.columnSpacingMm() * thickness / 1000.0;
            findings.add(new Finding(label, count, ml, count == 0 ? sum : sum.times(1.0 / count), maxDiameter,
                    count == 0 ? 0 : sumHu / count, b.laterality(), b.firstSlice(), b.lastSlice()));
        }
        findings.removeIf(f -> f.voxelCount() == 0);
        double p = findings.isEmpty() ? 0.03 : 0.97;
        return new Segmentation(mask, null, p, findings, "ich-test-unet", "1.2.3");
    }
}
