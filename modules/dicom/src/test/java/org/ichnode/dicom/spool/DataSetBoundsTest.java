package org.ichnode.dicom.spool;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.ichnode.dicom.testing.Tools;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataSetBoundsTest {
    @TempDir Path tmp;

    @Test
    void realSeriesPass() throws Exception {
        for (String series : new String[] {"ge-head-tilted", "philips-head-phantom-5mm"}) {
            for (Path f : Tools.files(Tools.realCt(series))) DataSetBounds.checkFile(f);
        }
    }

    /** The 450-byte object whose UN element claims 2 GB: refused before any parser allocates it. */
    @Test
    void anElementClaimingMoreThanIsThereIsRefused() throws Exception {
        Path f = HostileObjects.ct("1.2.3.4").lyingElement(0x0029, 0x1010, "UN", 0x7FFFFFF0L, 16).writePart10(tmp.resolve("un.dcm"), "1.2.3.4");
        assertTrue(Files.size(f) < 500);
        IOException e = assertThrows(IOException.class, () -> DataSetBounds.checkFile(f));
        assertTrue(e.getMessage().contains("(0029,1010) claims 2147483632 bytes"), e.getMessage());
        assertThrows(IOException.class, () -> InstanceHeader.read(f), "the header reader checks first");
        for (String vr : new String[] {"OB", "UT", "LO"}) {
            long claimed = vr.equals("LO") ? 0xFFF0 : 0x7FFFFFF0L;
            Path g = HostileObjects.ct("1.2.3.5").lyingElement(0x0009, 0x1010, vr, claimed, 8).writePart10(tmp.resolve(vr + ".dcm"), "1.2.3.5");
            assertThrows(IOException.class, () -> DataSetBounds.checkFile(g), vr);
        }
    }

    /** Half an image, or Rows and Columns that do not fit the pixels: refused, where a whole image passes. */
    @Test
    void nativePixelDataMustFitRowsColumnsAndBits() throws Exception {
        Path ok = image("1.2.3.20", 10, 10, 16, 200);
        DataSetBounds.checkFile(ok);
        IOException half = assertThrows(IOException.class, () -> DataSetBounds.checkFile(image("1.2.3.21", 512, 512, 16, 262144)));
        assertTrue(half.getMessage().contains("Pixel Data holds 262144 bytes") && half.getMessage().contains("need 524288"), half.getMessage());
        assertThrows(IOException.class, () -> DataSetBounds.checkFile(image("1.2.3.22", 10, 10, 16, 202)));
        // a real slice whose Rows were changed after the fact
        Path real = Tools.files(Tools.realCt("ge-head-tilted")).get(0);
        com.pixelmed.dicom.AttributeList l = new com.pixelmed.dicom.AttributeList();
        l.read(real.toFile());
        l.get(com.pixelmed.dicom.TagFromName.Rows).setValue(256);
        Path changed = tmp.resolve("rows.dcm");
        l.write(changed.toFile(), l.get(com.pixelmed.dicom.TagFromName.TransferSyntaxUID).getSingleStringValueOrNull(), true, true);
        assertThrows(IOException.class, () -> DataSetBounds.checkFile(changed));
    }

    private Path image(String uid, int rows, int columns, int bits, int pixelBytes) throws Exception {
        return HostileObjects.ct(uid).element(0x0028, 0x0002, "US", us(1)).element(0x0028, 0x0010, "US", us(rows))
                .element(0x0028, 0x0011, "US", us(columns)).element(0x0028, 0x0100, "US", us(bits))
                .element(0x7FE0, 0x0010, "OW", new byte[pixelBytes]).writePart10(tmp.resolve(uid + ".dcm"), uid);
    }

    private static byte[] us(int v) { return new byte[] {(byte) v, (byte) (v >> 8)}; }

    @Test
    void deepNestingIsRefusedAndOrdinaryNestingPasses() throws Exception {
        Path deep = HostileObjects.ct("1.2.3.6").nestedSequences(3000).writePart10(tmp.resolve("deep.dcm"), "1.2.3.6");
        IOException e = assertThrows(IOException.class, () -> DataSetBounds.checkFile(deep));
        assertTrue(e.getMessage().contains("nested deeper than " + DataSetBounds.MAX_DEPTH), e.getMessage());
        DataSetBounds.checkFile(HostileObjects.ct("1.2.3.7").nestedSequences(4).writePart10(tmp.resolve("four.dcm"), "1.2.3.7"));
    }

    @Test
    void truncatedRealObjectsAreRefusedAsWholeAndAcceptedAsPrefixes() throws Exception {
        Path real = Tools.files(Tools.realCt("ge-head-tilted")).get(0);
        byte[] all = Files.readAllBytes(real);
        for (int cut : new int[] {1024, 4096, all.length / 2, all.length - 1}) {
            Path t = tmp.resolve("cut-" + cut + ".dcm");
            Files.write(t, Arrays.copyOf(all, cut));
            assertThrows(IOException.class, () -> DataSetBounds.checkFile(t), "cut at " + cut);
        }
        // the first bytes of a data set, as the spool captures them, are a valid prefix
        Path whole = HostileObjects.ct("1.2.3.8").element(0x0010, 0x0010, "PN", "DOE^J ".getBytes()).writePart10(tmp.resolve("w.dcm"), "1.2.3.8");
        DataSetBounds.checkFile(whole);
        byte[] ds = HostileObjects.ct("1.2.3.8").lyingElement(0x7FE0, 0x0010, "OW", 524288, 100).dataSet();
        DataSetBounds.check(ByteBuffer.wrap(ds), true, true);
        assertThrows(IOException.class, () -> DataSetBounds.check(ByteBuffer.wrap(ds), true, false));
    }
}
