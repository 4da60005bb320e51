package org.ichnode.node;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.ichnode.node.retrain.ActiveModel;
import org.ichnode.dicom.net.StorageScp;
import org.ichnode.store.AlertQueue;
import org.ichnode.store.DeliveryQueue;
import org.ichnode.store.StoreQueries;
import org.ichnode.store.TrainingRun;
import org.ichnode.store.TrainingRuns;

import java.io.File;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The node's Prometheus metrics (Micrometer). Queue depths are read from the database at most once per scrape
 * (all nodes sharing a database report the same depths; the per-node counters are this process's). Names are listed
 * in docs/operations.md.
 */
final class NodeMetrics {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final MultiGauge series = MultiGauge.builder("ichnode_series").description("series by state").register(registry);
    private final MultiGauge jobs = MultiGauge.builder("ichnode_jobs").description("jobs by state").register(registry);
    private final MultiGauge deliveries = MultiGauge.builder("ichnode_deliveries").description("result deliveries by state").register(registry);
    private final MultiGauge alerts = MultiGauge.builder("ichnode_alerts").description("alerts by state").register(registry);
    private final MultiGauge model = MultiGauge.builder("ichnode_model_in_service").description("the model in service (1)").register(registry);
    private final MultiGauge retraining = MultiGauge.builder("ichnode_retraining_last_run").description("state of the latest retraining run (1)").register(registry);
    private final StoreQueries queries;
    private final DeliveryQueue deliveryQueue;
    private final AlertQueue alertQueue;
    private final TrainingRuns runs;
    private final ActiveModel activeModel;
    private final ServingSegmenter segmenter;
    // Micrometer holds the objects behind gauges and function counters weakly: these fields keep them alive
    private final Supplier<StorageScp> scp;
    private final Supplier<AlertWorkers> alertWorkers;
    private final File disk;

    NodeMetrics(StoreQueries queries, DeliveryQueue deliveryQueue, AlertQueue alertQueue, TrainingRuns runs, ActiveModel activeModel,
                ServingSegmenter segmenter, Supplier<StorageScp> scp, Supplier<AlertWorkers> alertWorkers, Path storage) {
        this.queries = queries;
        this.deliveryQueue = deliveryQueue;
        this.alertQueue = alertQueue;
        this.runs = runs;
        this.activeModel = activeModel;
        this.segmenter = segmenter;
        this.scp = scp;
        this.alertWorkers = alertWorkers;
        this.disk = storage.toFile();
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        Gauge.builder("ichnode_disk_free_bytes", disk, File::getUsableSpace).description("usable space in storage.dir").register(registry);
        Gauge.builder("ichnode_dicom_associations_open", scp, s -> s.get() == null ? 0 : s.get().openAssociations()).register(registry);
        FunctionCounter.builder("ichnode_dicom_associations", scp, s -> s.get() == null ? 0 : s.get().counters().associations())
                .description("associations served").register(registry);
        FunctionCounter.builder("ichnode_dicom_associations_rejected_busy", scp, s -> s.get() == null ? 0 : s.get().counters().associationsRejectedBusy())
                .description("associations turned away at dicom.maxAssociations").register(registry);
        FunctionCounter.builder("ichnode_instances_received", scp, s -> s.get() == null ? 0 : s.get().counters().instancesStored())
                .description("C-STOREs acknowledged").register(registry);
        FunctionCounter.builder("ichnode_instances_refused", scp, s -> s.get() == null ? 0 : s.get().counters().instancesRefused())
                .description("C-STOREs answered with a failure").register(registry);
        FunctionCounter.builder("ichnode_received_bytes", scp, s -> s.get() == null ? 0 : s.get().counters().bytesReceived())
                .description("data set bytes received").register(registry);
        FunctionCounter.builder("ichnode_alert_failed_attempts", alertWorkers, a -> a.get() == null ? 0 : a.get().failedAttempts())
                .description("alert attempts that failed (each is retried or ends failed)").register(registry);
    }

    /** One job step's time (load, segment, encode, ...). */
    void recordStep(String step, long millis) {
        Timer.builder("ichnode_job_step").tag("step", step).publishPercentileHistogram(false).register(registry)
                .record(Duration.ofMillis(millis));
    }

    /** The Prometheus text exposition, with the database-backed gauges read now. */
    String scrape() {
        series.register(rows(queries.seriesCountsByState()), true);
        jobs.register(rows(queries.jobCountsByState()), true);
        deliveries.register(rows(deliveryQueue.countsByState()), true);
        alerts.register(rows(alertQueue.countsByState()), true);
        String serving = segmenter.serving();
        String active = activeModel.current().map(ActiveModel.Active::version).orElse("none");
        model.register(List.of(MultiGauge.Row.of(Tags.of("serving", serving == null ? "not yet used" : serving, "registry_active", active), 1)), true);
        List<TrainingRun> last = runs.latest(1);
        retraining.register(last.isEmpty() ? List.of()
                : List.of(MultiGauge.Row.of(Tags.of("state", last.get(0).state().dbValue()), 1)), true);
        return registry.scrape();
    }

    private static List<MultiGauge.Row<?>> rows(Map<? extends Enum<?>, Long> counts) {
        List<MultiGauge.Row<?>> out = new ArrayList<>();
        counts.forEach((state, n) -> out.add(MultiGauge.Row.of(Tags.of("state", state.name().toLowerCase(java.util.Locale.ROOT)), n)));
        return out;
    }
}
