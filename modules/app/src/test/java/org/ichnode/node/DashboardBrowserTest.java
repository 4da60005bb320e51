package org.ichnode.node;

import org.ichnode.core.net.FreePorts;
import org.ichnode.node.config.Settings;
import org.ichnode.dicom.spool.InstanceHeader;
import org.ichnode.dicom.testing.Tools;
import org.ichnode.store.ModelRegistry;
import org.ichnode.store.Overview;
import org.ichnode.store.SeriesState;
import org.ichnode.store.StoreQueries;
import org.ichnode.store.testing.TestPostgres;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The dashboard as a person sees it, in a real headless Chromium: a positive and a negative phantom study go through
 * the node; the studies page lists both with their calls, the positive one's result page shows the overlay images
 * decoded by the browser, and a model activated through the form appears with who and why. The screenshots land in
 * target/screenshots (docs/operations.md shows one).
 */
class DashboardBrowserTest {
    @TempDir Path tmp;

    @Test
    void aPersonSeesTheStudiesTheOverlayAndTheModelDecisions() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/chromium")),
                "Chromium is not installed (ICHNODE_SETUP_TEST=1 bash scripts/setup.sh installs it): skipping");
        List<Path> positive = Phantoms.study(tmp.resolve("pos"), true);
        List<Path> negative = Phantoms.study(tmp.resolve("neg"), false);
        int hl7Port = FreePorts.pick();
        try (TestPostgres pg = new TestPostgres();
             IchNode node = new IchNode(Settings.load(null, Map.of(), List.of("db.url=" + pg.url(), "storage.dir=" + tmp.resolve("storage"),
                     "dicom.port=" + FreePorts.pick(), "http.port=" + FreePorts.pick(), "hl7.port=" + hl7Port, "series.stableSeconds=1",
                     "storage.minFreeMb=0", "model.dir=baseline", "retrain.enabled=false",
                     "http.viewerUrl=http://pacs.test:8042/stone-webviewer/index.html?study={studyUid}"))).start()) {
            for (List<Path> study : List.of(negative, positive)) {
                List<String> cmd = new ArrayList<>(List.of("storescu", "-aet", "PACS", "-aec", "ICHNODE", "127.0.0.1", String.valueOf(node.dicomPort())));
                study.forEach(f -> cmd.add(f.toString()));
                assertEquals(0, Tools.run(cmd).exitCode());
            }
            StoreQueries q = new StoreQueries(node.database());
            String posUid = InstanceHeader.read(positive.get(0)).seriesInstanceUid();
            String negUid = InstanceHeader.read(negative.get(0)).seriesInstanceUid();
            long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            while (System.nanoTime() < deadline && !(done(q, posUid) && done(q, negUid))) Thread.sleep(200);
            assertTrue(done(q, posUid) && done(q, negUid), "both studies processed");
            // the overlay series follows SEG and SR; wait until the positive result's overlay is written
            Overview.SeriesRow pos = new Overview(node.database()).recentSeries(10).stream()
                    .filter(r -> r.seriesInstanceUid().equals(posUid)).findFirst().orElseThrow();
            Path folder = Path.of(new org.ichnode.store.DeliveryQueue(node.database()).findResult(pos.resultId()).orElseThrow().folder());
            while (System.nanoTime() < deadline && org.ichnode.dicom.results.OverlayImages.in(folder).size() < 2) Thread.sleep(200);

            String base = "http://127.0.0.1:" + node.httpPort();
            Path shots = Path.of("target/screenshots");
            Files.createDirectories(shots);

            // the RIS reports the positive study: the Reports page shows its label and that it is linked
            InstanceHeader ph = InstanceHeader.read(positive.get(0));
            String oru = String.join("\r", "MSH|^~\\&|RIS|HOSP|ICHNODE|NEURO|20261206120000||ORU^R01^ORU_R01|DASH1|P|2.5.1",
                    "PID|1||" + (ph.patientId() == null ? "" : ph.patientId()) + "^^^HOSP^MR",
                    "OBR|1||" + (ph.accessionNumber() == null ? "" : ph.accessionNumber()) + "|CTHEAD^CT HEAD^L|||20261206110000|||||||||||"
                            + (ph.accessionNumber() == null ? "" : ph.accessionNumber()) + "||||20261206120000||CT|F",
                    "ZDS|" + ph.studyInstanceUid() + "^^Application^DICOM",
                    "OBX|1|TX|CTHEAD^REPORT^L|1|IMPRESSION: Acute intraparenchymal hemorrhage in the left frontal lobe.||||||F") + "\r";
            try (java.net.Socket sock = new java.net.Socket("127.0.0.1", hl7Port)) {
                sock.setSoTimeout(20000);
                sock.getOutputStream().write(0x0B);
                sock.getOutputStream().write(oru.getBytes(StandardCharsets.UTF_8));
                sock.getOutputStream().write(new byte[] {0x1C, 0x0D});
                sock.getOutputStream().flush();
                StringBuilder ack = new StringBuilder();
                for (int c; (c = sock.getInputStream().read()) != -1 && c != 0x1C; ) ack.append((char) c);
                assertTrue(ack.toString().contains("MSA|AA|DASH1"), ack.toString());
            }
            String reports = chromium("--dump-dom", base + "/reports");
            Matcher report = Pattern.compile("<table id=\"reports\">.*?</table>", Pattern.DOTALL).matcher(reports);
            assertTrue(report.find(), reports);
            assertTrue(report.group().contains("<td>positive</td>") && report.group().contains("<td>linked</td>"), report.group());

            String studies = chromium("--dump-dom", base + "/");
            assertTrue(studies.contains("<table id=\"studies\">"), studies);
            Matcher positiveRow = Pattern.compile("<tr class=\"positive\">.*?</tr>", Pattern.DOTALL).matcher(studies);
            assertTrue(positiveRow.find(), "a positive row: " + studies);
            assertTrue(positiveRow.group().contains("SUSPECTED HEMORRHAGE") && positiveRow.group().contains(posUid), positiveRow.group());
            assertTrue(positiveRow.group().contains("href=\"/results/" + pos.resultId() + "\""), positiveRow.group());
            Matcher negativeRow = Pattern.compile("<tr class=\"negative\">.*?</tr>", Pattern.DOTALL).matcher(studies);
            assertTrue(negativeRow.find() && negativeRow.group().contains("no hemorrhage detected") && negativeRow.group().contains(negUid), studies);
            assertTrue(studies.contains("class=\"health degraded\""), "no destination configured: the page says so");
            screenshot(base + "/", shots.resolve("dashboard-studies.png"));

            String result = chromium("--dump-dom", base + "/results/" + pos.resultId());
            assertTrue(result.contains("<h1 class=\"positive\">SUSPECTED HEMORRHAGE</h1>"), result);
            Matcher loaded = Pattern.compile("<img class=\"overlay\"[^>]*data-loaded=\"(\\d+)\"").matcher(result);
            int images = 0;
            while (loaded.find()) {
                assertEquals(256, Integer.parseInt(loaded.group(1)), "the browser decoded a 256-pixel-wide overlay");
                images++;
            }
            assertEquals(org.ichnode.dicom.results.OverlayImages.in(folder).size(), images, "every overlay image decoded in the browser: " + result);
            assertTrue(result.contains("http://pacs.test:8042/stone-webviewer/index.html?study=" + InstanceHeader.read(positive.get(0)).studyInstanceUid()));
            screenshot(base + "/results/" + pos.resultId(), shots.resolve("dashboard-result.png"));

            // a person activates a model through the form; the decision shows with who and why
            Path artifact = Files.createDirectories(tmp.resolve("models/v-test"));
            Files.writeString(artifact.resolve("training-curves.json"), "{\"classifierA\":{\"steps\":4,\"loss\":[0.9,0.7,0.5,0.4]},"
                    + "\"classifierB\":{\"steps\":4,\"loss\":[0.8,0.6,null,0.3]},\"unet\":{\"steps\":3,\"loss\":[1.2,0.8,0.6]},"
                    + "\"unetBestValidationDice\":0.41230,\"unetBestStep\":3}\n");
            new ModelRegistry(node.database()).registerCandidate("v-test", artifact, Map.of("dice", 0.61, "studyAuc", 0.77), null, null);
            String form = "version=v-test&who=" + URLEncoder.encode("Dr. Grey", StandardCharsets.UTF_8) + "&why="
                    + URLEncoder.encode("checked 5 cases <b>by hand</b>", StandardCharsets.UTF_8);
            HttpResponse<String> post = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(base + "/ui/models/activate"))
                    .header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString(form)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(303, post.statusCode(), post.body());
            String models = chromium("--dump-dom", base + "/models");
            assertTrue(models.contains("In service: <b>v-test</b>"), models);
            assertTrue(models.contains("<td>Dr. Grey (dashboard)</td><td>checked 5 cases &lt;b&gt;by hand&lt;/b&gt;</td>"), "escaped: " + models);
            assertTrue(models.contains("id=\"metrics-plot\""), models);
            assertEquals(3, models.split("<polyline").length - 1, "a loss curve per network: " + models);
            assertTrue(models.contains("U-Net best validation Dice 0.4123 at step 3"), models);
            String audit;
            try (var files = Files.list(tmp.resolve("storage/audit"))) {
                audit = Files.readString(files.findFirst().orElseThrow());
            }
            assertTrue(audit.contains("\"action\":\"model.activated\",\"actor\":\"Dr. Grey (dashboard from 127.0.0.1)\""), audit);
            assertTrue(audit.contains("\"action\":\"model.in_service\""), audit);
            assertTrue(audit.contains("\"action\":\"http.post\",\"actor\":\"127.0.0.1\",\"path\":\"/ui/models/activate\""), audit);
        }
    }

    private static boolean done(StoreQueries q, String uid) {
        return q.findSeries(uid).map(s -> s.getState() == SeriesState.DONE).orElse(false);
    }

    private static String chromium(String mode, String url) throws Exception {
        Tools.Result r = Tools.run(List.of("chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--virtual-time-budget=5000", "--window-size=1280,1000", "--hide-scrollbars", mode, url));
        assertEquals(0, r.exitCode(), r.output());
        return r.output();
    }

    private static void screenshot(String url, Path png) throws Exception {
        Files.deleteIfExists(png);
        chromium("--screenshot=" + png.toAbsolutePath(), url + "");
        BufferedImage img = ImageIO.read(png.toFile());
        assertNotNull(img, "Chromium wrote a PNG");
        assertTrue(img.getWidth() >= 800, "screenshot width " + img.getWidth());
    }
}
