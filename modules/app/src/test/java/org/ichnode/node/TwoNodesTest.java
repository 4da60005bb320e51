package org.ichnode.node;

import org.ichnode.dicom.spool.InstanceHeader;
import org.ichnode.dicom.testing.Tools;
import org.ichnode.dicom.tools.SeriesCopier;
import org.ichnode.store.Database;
import org.ichnode.store.Job;
import org.ichnode.store.JobState;
import org.ichnode.store.SeriesState;
import org.ichnode.store.StoreQueries;
import org.ichnode.store.testing.TestPostgres;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/** Two serve processes sharing one PostgreSQL: every job is processed exactly once. */
class TwoNodesTest {
    @TempDir Path tmp;

    @Test
    void twoNodesOnOneDatabaseNeverProcessAJobTwice() throws Exception {
        List<Path> philips = Tools.files(Tools.realCt("philips-head-phantom-5mm"));
        List<List<Path>> series = new ArrayList<>();
        for (int i = 0; i < 8; i++) series.add(SeriesCopier.copyWithNewUids(philips, tmp.resolve("s" + i)));
        try (TestPostgres pg = new TestPostgres();
             NodeProcess a = NodeProcess.start(tmp.resolve("a.log"), pg.url(), tmp.resolve("storage-a"), "node-a",
                     "series.stableSeconds=1", "worker.threads=2");
             NodeProcess b = NodeProcess.start(tmp.resolve("b.log"), pg.url(), tmp.resolve("storage-b"), "node-b",
                     "series.stableSeconds=1", "worker.threads=2");
             Database db = Database.open(pg.url())) {
            for (int i = 0; i < series.size(); i++) {
                Tools.Result r = CrashRecoveryTest.send(i % 2 == 0 ? a.dicomPort : b.dicomPort, series.get(i));
                assertEquals(0, r.exitCode(), r.output());
            }
            StoreQueries q = new StoreQueries(db);
            CrashRecoveryTest.awaitNoSeriesIn(q, SeriesState.RECEIVING, SeriesState.COMPLETE, SeriesState.QUEUED, SeriesState.RUNNING);

            List<Long> jobIds = new ArrayList<>();
            for (List<Path> s : series) {
                var row = q.findSeries(InstanceHeader.read(s.get(0)).seriesInstanceUid()).orElseThrow();
                assertEquals(SeriesState.DONE, row.getState());
                List<Job> jobs = q.jobsOfSeries(row.getId());
                assertEquals(1, jobs.size());
                assertEquals(JobState.DONE, jobs.get(0).getState());
                assertEquals(1, jobs.get(0).getAttempts(), "claimed once");
                jobIds.add(jobs.get(0).getId());
            }
            // each job was started by exactly one worker of exactly one node
            Map<Long, Integer> starts = new HashMap<>();
            Map<String, Integer> perNode = new HashMap<>();
            Pattern started = Pattern.compile("job (\\d+) series \\S+: started \\(attempt \\d+, \\d+ instances\\) by (node-[ab])/w\\d");
            for (String log : List.of(a.log(), b.log())) {
                Matcher m = started.matcher(log);
                while (m.find()) {
                    starts.merge(Long.parseLong(m.group(1)), 1, Integer::sum);
                    perNode.merge(m.group(2), 1, Integer::sum);
                }
            }
            for (long id : jobIds) assertEquals(1, starts.getOrDefault(id, 0), "job " + id + " started once; per node " + perNode);
            assertEquals(series.size(), starts.values().stream().mapToInt(Integer::intValue).sum());
        }
    }
}
