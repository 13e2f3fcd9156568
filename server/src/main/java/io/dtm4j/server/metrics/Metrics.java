package io.dtm4j.server.metrics;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.core.metrics.Info;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongSupplier;

/**
 * dtm's Prometheus metrics, with its names and labels, plus the JVM's. The Prometheus client is used
 * directly (not Micrometer) because its naming maps one-to-one onto dtm's metric names.
 */
public final class Metrics {
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Counter serverProcess;
    private final Histogram responseDuration;
    private final Counter transactionProcess;
    private final Histogram transactionDuration;
    private final Counter branchProcess;
    private final Counter parked;
    private final Histogram branchCallSeconds;
    private final Histogram roundSeconds;
    private final Histogram storeWriteSeconds;
    private final Histogram claimBatch;
    private final Histogram brokerPublishSeconds;

    public Metrics(String version) {
        // exposed as dtm_server_info{…} 1, the Prometheus convention for build information
        Info.builder()
                .name("dtm_server")
                .help("The information of this dtm server.")
                .labelNames("gin_version", "grpc_version", "version")
                .register(registry)
                .setLabelValues("none", "none", version);
        serverProcess = Counter.builder()
                .name("dtm_server_process_total")
                .help("All request received by dtm")
                .labelNames("type", "api", "status")
                .register(registry);
        responseDuration = Histogram.builder()
                .name("dtm_server_response_duration")
                .help("The request durations of a dtm server api")
                .labelNames("type", "api")
                .classicOnly()
                .register(registry);
        transactionProcess = Counter.builder()
                .name("dtm_transaction_process_total")
                .help("All transactions processed by dtm")
                .labelNames("model", "status")
                .register(registry);
        transactionDuration = Histogram.builder()
                .name("dtm_transaction_handled_duration")
                .help("Histogram of handling latency of the transaction that handled by the server.")
                .labelNames("model")
                .classicOnly()
                .register(registry);
        branchProcess = Counter.builder()
                .name("dtm_branch_process_total")
                .help("All branches processed by dtm")
                .labelNames("model", "branchid", "branchtype", "status")
                .register(registry);
        parked = Counter.builder()
                .name("dtm4j_parked_total")
                .help("Transactions parked after their retry budget was spent")
                .labelNames("model")
                .register(registry);
        branchCallSeconds = Histogram.builder()
                .name("dtm4j_branch_call_seconds")
                .help("Latency of calls to business services, by protocol, op and outcome")
                .labelNames("protocol", "op", "outcome")
                .classicOnly()
                .register(registry);
        roundSeconds = Histogram.builder()
                .name("dtm4j_round_seconds")
                .help("Duration of processing rounds, by trans type and whether the round ended well")
                .labelNames("model", "result")
                .classicOnly()
                .register(registry);
        storeWriteSeconds = Histogram.builder()
                .name("dtm4j_store_write_seconds")
                .help("Latency of store writes until durable, by operation")
                .labelNames("op")
                .classicOnly()
                .classicUpperBounds(.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10)
                .register(registry);
        claimBatch = Histogram.builder()
                .name("dtm4j_claim_batch_size")
                .help("Transactions taken by each scheduler claim")
                .classicOnly()
                .classicUpperBounds(0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024)
                .register(registry);
        brokerPublishSeconds = Histogram.builder()
                .name("dtm4j_broker_publish_seconds")
                .help("Publishes of broker branches until confirmed, by broker name, kind and outcome"
                        + " (confirmed, duplicate, error)")
                .labelNames("broker", "kind", "outcome")
                .classicOnly()
                .register(registry);
        JvmMetrics.builder().register(registry);
    }

    /** Records one call to a business service (op: action, compensate, confirm…; outcome: success, failure, ongoing, error). */
    public void branchCallTime(String protocol, String op, String outcome, double seconds) {
        branchCallSeconds.labelValues(protocol, op, outcome).observe(seconds);
    }

    /** Records one publish of a broker branch (docs/brokers.md#metrics). */
    public void brokerPublish(String broker, String kind, String outcome, double seconds) {
        brokerPublishSeconds.labelValues(broker, kind, outcome).observe(seconds);
    }

    /** Records the duration of one processing round. */
    public void roundTime(String model, boolean ok, double seconds) {
        roundSeconds.labelValues(model, ok ? "ok" : "fail").observe(seconds);
    }

    /** Records the latency of one store write. */
    public void storeWrite(String op, double seconds) {
        storeWriteSeconds.labelValues(op).observe(seconds);
    }

    /** Records the size of one scheduler claim. */
    public void claimed(int transactions) {
        claimBatch.observe(transactions);
    }

    /**
     * Exposes {@code count}, read at every scrape, as the gauge of transactions due now and not yet
     * picked up (the scheduler's queue); left out while the store does not answer.
     */
    public void dueNow(LongSupplier count) {
        gauge("dtm4j_due_transactions", "Unfinished transactions due now, waiting for a scheduler round", count);
    }

    /**
     * Exposes {@code count}, read at every scrape, as the gauge of transactions parked now; a scrape
     * while the store is away leaves the gauge out rather than failing.
     */
    public void parkedNow(LongSupplier count) {
        gauge("dtm4j_parked_transactions", "Transactions parked now, waiting for an operator", count);
    }

    private void gauge(String name, String help, LongSupplier count) {
        GaugeWithCallback.builder()
                .name(name)
                .help(help)
                .callback(cb -> {
                    try {
                        cb.call(count.getAsLong());
                    } catch (RuntimeException e) {
                        // no sample: the store cannot say
                    }
                })
                .register(registry);
    }

    /** Records that a transaction of {@code model} was parked. */
    public void parked(String model) {
        parked.labelValues(model).inc();
    }

    /** Records one API request; {@code api} is the last path segment without its query string. */
    public void apiRequest(String type, String api, boolean ok, double seconds) {
        serverProcess.labelValues(type, api, ok ? "ok" : "fail").inc();
        responseDuration.labelValues(type, api).observe(seconds);
    }

    /** Records one processing round and the time since the transaction was created. */
    public void transactionRound(String model, boolean ok, double secondsSinceCreate) {
        transactionProcess.labelValues(model, ok ? "ok" : "fail").inc();
        transactionDuration.labelValues(model).observe(Math.max(0, secondsSinceCreate));
    }

    /** Records one branch call; ok only when the branch row became {@code succeed}. */
    public void branchCall(String model, String branchId, String op, boolean ok) {
        branchProcess.labelValues(model, branchId, op, ok ? "ok" : "fail").inc();
    }

    /** The processing rounds this node ran since it started, by result: {@code ok} and {@code fail}. */
    public Map<String, Long> roundsSoFar() {
        Map<String, Long> totals = new TreeMap<>(Map.of("ok", 0L, "fail", 0L));
        for (var point : transactionProcess.collect().getDataPoints()) {
            totals.merge(point.getLabels().get("status"), (long) point.getValue(), Long::sum);
        }
        return totals;
    }

    /** Returns every metric in the Prometheus text exposition format. */
    public byte[] scrape() {
        var out = new ByteArrayOutputStream(16 * 1024);
        try {
            PrometheusTextFormatWriter.create().write(out, registry.scrape());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
