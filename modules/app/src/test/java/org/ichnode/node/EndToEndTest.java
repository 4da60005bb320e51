package org.ichnode.node;

import com.pixelmed.dicom.Attribute;
import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.SequenceAttribute;
import com.pixelmed.dicom.TagFromName;
import org.ichnode.core.net.FreePorts;
import org.ichnode.node.config.Settings;
import org.ichnode.app.tools.LocalOrthanc;
import org.ichnode.dicom.results.SegmentationObjectWriter;
import org.ichnode.dicom.spool.InstanceHeader;
import org.ichnode.store.Job;
import org.ichnode.store.SeriesState;
import org.ichnode.store.StoreQueries;
import org.ichnode.store.testing.TestPostgres;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The whole loop with a real PACS: storescu -> Orthanc -> (Lua auto-routing) -> ich-node -> segment -> SEG + SR +
 * overlay -> back to Orthanc, checked through Orthanc's REST API; the SEG in Orthanc decodes to exactly the mask
 * the segmenter made.
 */
class EndToEndTest {
    @TempDir Path tmp;

    @Test
    void phantomStudyThroughOrthancComesBackWithSegSrAndOverlayInTheSameStudy() throws Exception {
        List<Path> ct = Phantoms.study(tmp.resolve("phantom"), true);
        InstanceHeader first = InstanceHeader.read(ct.get(0));
        int nodePort = FreePorts.pick();
        try (TestPostgres pg = new TestPostgres()) {
            LocalOrthanc orthanc = null;
            IchNode node = null;
            try {
                org.junit.jupiter.api.Assumptions.assumeTrue(LocalOrthanc.installed(), "Orthanc is not installed (scripts/setup.sh installs it in test mode): skipping");
                orthanc = LocalOrthanc.start(tmp.resolve("orthanc"), "ICHNODE", nodePort, 2);
                node = new IchNode(Settings.load(null, Map.of(), List.of("db.url=" + pg.url(), "storage.dir=" + tmp.resolve("storage"),
                        "dicom.port=" + nodePort, "http.port=0", "hl7.port=0", "series.stableSeconds=2", "storage.minFreeMb=0",
                        "dicom.allowedCallers=ORTHANC@127.0.0.1", "dicom.peers=ORTHANC@127.0.0.1:" + orthanc.dicomPort(),
                        "delivery.destinations=@caller"))).start();

                assertEquals(0, orthanc.storescu(ct), "storescu into Orthanc");

                // wait until Orthanc holds a SEG and an SR for the study
                String studyId = null;
                Map<String, List<String>> byModality = new HashMap<>();
                long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
                while (System.nanoTime() < deadline) {
                    byModality = orthanc.seriesByModality(first.studyInstanceUid());
                    if (byModality.containsKey("SEG") && byModality.containsKey("SR") && byModality.containsKey("OT")) break;
                    Thread.sleep(250);
                }
                assertTrue(byModality.containsKey("SEG"), "SEG stored in the study: " + byModality);
                assertTrue(byModality.containsKey("SR"), "SR stored in the study: " + byModality);
                assertTrue(byModality.containsKey("OT"), "overlay stored in the study: " + byModality);
                assertEquals(1, byModality.get("CT").size(), "still one CT series");

                // the SEG decodes to exactly the mask the node kept
                StoreQueries q = new StoreQueries(node.database());
                var series = q.findSeries(first.seriesInstanceUid()).orElseThrow();
                assertEquals(SeriesState.DONE, series.getState());
                Job job = q.jobsOfSeries(series.getId()).get(0);
                List<String> sliceUids = sliceOrder(job.getResultJson());
                Path folder = tmp.resolve("storage/results").resolve(first.seriesInstanceUid()).resolve("job-" + job.getId());
                byte[] mask;
                try (InputStream in = new GZIPInputStream(Files.newInputStream(folder.resolve("mask.u8.gz")))) {
                    mask = in.readAllBytes();
                }
                AttributeList seg = new AttributeList();
                seg.read(new com.pixelmed.dicom.DicomInputStream(new ByteArrayInputStream(orthanc.firstInstanceFile(byModality.get("SEG").get(0)))));
                assertSegMatchesMask(seg, mask, sliceUids);

                // what reached the PACS is valid per dicom3tools
                for (String modality : List.of("SEG", "SR")) {
                    Path file = tmp.resolve(modality.toLowerCase() + "-from-orthanc.dcm");
                    Files.write(file, orthanc.firstInstanceFile(byModality.get(modality).get(0)));
                    org.ichnode.dicom.testing.Tools.Result v = org.ichnode.dicom.testing.Tools.run(List.of("dciodvfy", file.toString()));
                    assertTrue(v.output().lines().noneMatch(l -> l.contains("Error")), modality + ":\n" + v.output());
                }
            } finally {
                if (node != null) node.close();
                if (orthanc != null) orthanc.close();
            }
        }
    }

    static void assertSegMatchesMask(AttributeList seg, byte[] mask, List<String> sliceUids) throws Exception {
        int rows = Attribute.getSingleIntegerValueOrDefault(seg, TagFromName.Rows, 0);
        int cols = Attribute.getSingleIntegerValueOrDefault(seg, TagFromName.Columns, 0);
        int frames = Attribute.getSingleIntegerValueOrDefault(seg, TagFromName.NumberOfFrames, 0);
        int plane = rows * cols;
        byte[][] unpacked = SegmentationObjectWriter.unpack(seg.get(TagFromName.PixelData).getByteValues(), plane, frames);
        SequenceAttribute perFrame = (SequenceAttribute) seg.get(TagFromName.PerFrameFunctionalGroupsSequence);
        boolean[] covered = new boolean[sliceUids.size()];
        for (int f = 0; f < frames; f++) {
            AttributeList fg = perFrame.getItem(f).getAttributeList();
            AttributeList derivation = ((SequenceAttribute) fg.get(TagFromName.DerivationImageSequence)).getItem(0).getAttributeList();
            AttributeList source = ((SequenceAttribute) derivation.get(TagFromName.SourceImageSequence)).getItem(0).getAttributeList();
            String uid = Attribute.getSingleStringValueOrNull(source, TagFromName.ReferencedSOPInstanceUID);
            int slice = sliceUids.indexOf(uid);
            assertTrue(slice >= 0, "frame " + f + " references a source slice");
            covered[slice] = true;
            for (int p = 0; p < plane; p++) {
                assertEquals(mask[slice * plane + p], unpacked[f][p], "slice " + slice + " pixel " + p);
            }
        }
        for (int k = 0; k < covered.length; k++) {
            if (covered[k]) continue;
            for (int p = 0; p < plane; p++) assertEquals(0, mask[k * plane + p], "slice " + k + " has hemorrhage but no frame");
        }
    }

    /** SOP Instance UIDs in volume order, from the job's result JSON. */
    static List<String> sliceOrder(String resultJson) {
        List<String> uids = new ArrayList<>();
        Matcher m = Pattern.compile("\\{\"sopInstanceUid\":\"([0-9.]+)\",\"frameNumber\"").matcher(resultJson);
        while (m.find()) uids.add(m.group(1));
        return uids;
    }
}
