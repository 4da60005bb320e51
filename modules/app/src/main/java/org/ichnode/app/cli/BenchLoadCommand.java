package org.ichnode.app.cli;

import org.ichnode.core.net.FreePorts;
import org.ichnode.node.config.Settings;
import org.ichnode.node.IchNode;
import org.ichnode.app.tools.LocalOrthanc;
import org.ichnode.dicom.spool.DicomSpool;
import org.ichnode.dicom.spool.InstanceHeader;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code ./ichnode bench load [--associations 50] [--max-associations 8] [--slices 16]}: that many DCMTK storescu
 * processes start at once, each sending its own phantom series (its own UIDs), to a node (embedded defaults in a temporary
 * folder, workers off) that serves at most {@code --max-associations} at a time. Those above the limit must be
 * rejected cleanly (A-ASSOCIATE-RJ, no hang); every instance acknowledged with Success must be recorded with an intact
 * file (its SHA-256 as recorded). Last line {@code load_associations=N acknowledged=A stored=S rejected_associations=R
 * hung=H lost=L}.
 */
public final class BenchLoadCommand {
    private static final Pattern SENT = Pattern.compile("Sending Store Request \\(MsgID (\\d+)");
    private static final Pattern RESPONSE = Pattern.compile("Received Store Response \\(([^)]*)\\)");

    public int run(Args args) throws Exception {
        int associations = args.intOption("--associations", 50);
        int max = args.intOption("--max-associations", 8);
        int slices = args.intOption("--slices", 16);
        args.requireNoneLeft();
        Path work = Files.createTempDirectory("ichnode-load-");
        List<List<Path>> series = org.ichnode.training.data.PhantomStudies.dicomSeries(work, associations, 5000, slices);
        System.out.printf("bench load: %d associations at once, %d slices 256x256 each, node limit %d, in %s%n", associations, slices, max, work);
        int port = FreePorts.pick();
        try (IchNode node = new IchNode(Settings.load(null, Map.of(), List.of("storage.dir=" + work.resolve("node/storage"),
                "db.url=jdbc:h2:file:" + work.resolve("node/db/ichnode"), "dicom.port=" + port, "http.port=0", "hl7.port=0",
                "storage.minFreeMb=0", "worker.threads=0", "retrain.enabled=false", "dicom.maxAssociations=" + max,
                "model.dir=baseline"))).start()) {
            List<Process> processes = new ArrayList<>();
            List<Path> logs = new ArrayList<>();
            for (int i = 0; i < associations; i++) {
                List<String> cmd = new ArrayList<>(List.of("storescu", "-v", "-aet", "LOAD" + i, "-aec", "ICHNODE", "127.0.0.1", String.valueOf(port)));
                series.get(i).forEach(f -> cmd.add(f.toString()));
                Path log = work.resolve("storescu-" + i + ".log");
                ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
                pb.environment().put("TCP_NODELAY", "1");
                processes.add(pb.start());
                logs.add(log);
            }
            int hung = 0, rejected = 0;
            Set<String> acknowledged = new HashSet<>();
            for (int i = 0; i < associations; i++) {
                Process p = processes.get(i);
                if (!p.waitFor(120, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    hung++;
                }
                String out = Files.readString(logs.get(i));
                if (out.contains("Association Rejected")) rejected++;
                // storescu sends the files in order, one message each: the n-th request is the n-th file
                Matcher sent = SENT.matcher(out), response = RESPONSE.matcher(out);
                List<String> statuses = new ArrayList<>();
                while (response.find()) statuses.add(response.group(1));
                int n = 0;
                while (sent.find()) {
                    if (n < statuses.size() && statuses.get(n).startsWith("Success")) {
                        acknowledged.add(InstanceHeader.read(series.get(i).get(Integer.parseInt(sent.group(1)) - 1)).sopInstanceUid());
                    }
                    n++;
                }
            }
            Map<String, String[]> recorded = new HashMap<>();
            try (Connection c = node.database().dataSource().getConnection();
                 PreparedStatement st = c.prepareStatement("SELECT sop_instance_uid, file_path, sha256 FROM instance");
                 ResultSet rs = st.executeQuery()) {
                while (rs.next()) recorded.put(rs.getString(1), new String[] {rs.getString(2), rs.getString(3)});
            }
            int lost = 0;
            for (String uid : acknowledged) {
                String[] row = recorded.get(uid);
                if (row == null || !Files.isRegularFile(Path.of(row[0]))) {
                    lost++;
                    continue;
                }
                // a file still in a preallocated slot carries padding after the instance: its digest covers the instance only
                if (!row[0].contains("/slots/") && !DicomSpool.sha256Of(Path.of(row[0])).equals(row[1])) lost++;
            }
            System.out.printf("load_associations=%d acknowledged=%d stored=%d rejected_associations=%d hung=%d lost=%d%n",
                    associations, acknowledged.size(), recorded.size(), rejected, hung, lost);
            return lost == 0 && hung == 0 ? 0 : 1;
        }
    }
}
