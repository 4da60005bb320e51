package org.ichnode.node.config;

import org.ichnode.dicom.net.CallerAllowlist;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.function.BiConsumer;

/** Every configuration key, its default and how its value is checked. docs/configuration.md lists them. */
public final class Keys {
    private Keys() {}

    public record Key(String name, String defaultValue, boolean secret, BiConsumer<String, String> check, String help) {
        void validate(String value) { check.accept(name, value); }
    }

    public static final String DICOM_AET = "dicom.aet";
    public static final String DICOM_PORT = "dicom.port";
    public static final String DICOM_BIND = "dicom.bind";
    public static final String DICOM_ALLOWED_CALLERS = "dicom.allowedCallers";
    public static final String DICOM_MAX_ASSOCIATIONS = "dicom.maxAssociations";
    public static final String DICOM_MAX_PDU = "dicom.maxPdu";
    public static final String DICOM_IDLE_TIMEOUT_SECONDS = "dicom.idleTimeoutSeconds";
    public static final String DICOM_ARTIM_SECONDS = "dicom.artimSeconds";
    public static final String HTTP_PORT = "http.port";
    public static final String HTTP_BIND = "http.bind";
    public static final String HTTP_AUTH = "http.auth";
    public static final String HTTP_TLS = "http.tls";
    public static final String DICOM_TLS = "dicom.tls";
    public static final String DICOM_TLS_CLIENT_AUTH = "dicom.tlsClientAuth";
    public static final String TLS_KEY_STORE = "tls.keyStore";
    public static final String TLS_KEY_STORE_PASSWORD = "tls.keyStorePassword";
    public static final String TLS_TRUST_STORE = "tls.trustStore";
    public static final String TLS_TRUST_STORE_PASSWORD = "tls.trustStorePassword";
    public static final String HTTP_USERS_FILE = "http.usersFile";
    public static final String HTTP_API_TOKEN = "http.apiToken";
    public static final String STORAGE_DIR = "storage.dir";
    public static final String STORAGE_MIN_FREE_MB = "storage.minFreeMb";
    public static final String STORAGE_PREALLOCATED_FILES = "storage.preallocatedFiles";
    public static final String DB_URL = "db.url";
    public static final String DB_USER = "db.user";
    public static final String DB_PASSWORD = "db.password";
    public static final String DB_POOL_SIZE = "db.poolSize";
    public static final String SERIES_STABLE_SECONDS = "series.stableSeconds";
    public static final String SELECTION_MODALITIES = "selection.modalities";
    public static final String SELECTION_HEAD_PATTERN = "selection.headPattern";
    public static final String SELECTION_MIN_SLICES = "selection.minSlices";
    public static final String SELECTION_MAX_SLICES = "selection.maxSlices";
    public static final String SELECTION_MIN_THICKNESS_MM = "selection.minThicknessMm";
    public static final String SELECTION_MAX_THICKNESS_MM = "selection.maxThicknessMm";
    public static final String SELECTION_MAX_TILT_DEGREES = "selection.maxTiltDegrees";
    public static final String SELECTION_URGENT_PATTERN = "selection.urgentPattern";
    public static final String WORKER_THREADS = "worker.threads";
    public static final String WORKER_LEASE_SECONDS = "worker.leaseSeconds";
    public static final String WORKER_MAX_ATTEMPTS = "worker.maxAttempts";
    public static final String NODE_ID = "node.id";
    public static final String DICOM_PEERS = "dicom.peers";
    public static final String DELIVERY_DESTINATIONS = "delivery.destinations";
    public static final String DELIVERY_MAX_ATTEMPTS = "delivery.maxAttempts";
    public static final String DELIVERY_BACKOFF_SECONDS = "delivery.backoffSeconds";
    public static final String DELIVERY_THREADS = "delivery.threads";
    public static final String RESULTS_OVERLAY = "results.overlay";
    public static final String HL7_PORT = "hl7.port";
    public static final String HL7_BIND = "hl7.bind";
    public static final String HL7_MAX_MESSAGE_BYTES = "hl7.maxMessageBytes";
    public static final String HL7_ALLOWED_SENDERS = "hl7.allowedSenders";
    public static final String HL7_TLS = "hl7.tls";
    public static final String RESULTS_ALL_FRAMES = "results.allFrames";
    public static final String RETRAIN_ENABLED = "retrain.enabled";
    public static final String RETRAIN_CRON = "retrain.cron";
    public static final String RETRAIN_AUTO_PROMOTE = "retrain.autoPromote";
    public static final String RETRAIN_GATE_MIN_DICE_GAIN = "retrain.gate.minDiceGain";
    public static final String RETRAIN_GATE_MIN_STUDIES = "retrain.gate.minStudies";
    public static final String RETRAIN_GATE_MIN_SITE_AUC_GAIN = "retrain.gate.minSiteAucGain";
    public static final String RETRAIN_GATE_MAX_PHANTOM_DICE_DROP = "retrain.gate.maxPhantomDiceDrop";
    public static final String RETRAIN_GATE_SITE_FRACTION = "retrain.gate.siteFraction";
    public static final String RETRAIN_GATE_MIN_SITE_STUDIES = "retrain.gate.minSiteStudies";
    public static final String RETRAIN_THREADS = "retrain.threads";
    public static final String RETRAIN_MAX_MINUTES = "retrain.maxMinutes";
    public static final String RETRAIN_INPUT_SIZE = "retrain.inputSize";
    public static final String RETRAIN_CLASSIFIER_STEPS = "retrain.classifierSteps";
    public static final String RETRAIN_UNET_STEPS = "retrain.unetSteps";
    public static final String RETRAIN_VALIDATION_DATA = "retrain.validationData";
    public static final String RETRAIN_VALIDATION_STUDIES = "retrain.validationStudies";
    public static final String MODEL_DIR = "model.dir";
    public static final String MODEL_THREADS = "model.threads";
    public static final String FHIR_BASE_URL = "fhir.baseUrl";
    public static final String FHIR_AUTHORIZATION = "fhir.authorization";
    public static final String FHIR_POLL_SECONDS = "fhir.pollSeconds";
    public static final String FHIR_SEARCH_PARAMS = "fhir.searchParams";
    public static final String FHIR_PAGE_SIZE = "fhir.pageSize";
    public static final String FHIR_TIMEOUT_SECONDS = "fhir.timeoutSeconds";
    public static final String ALERT_HL7_DESTINATION = "alert.hl7.destination";
    public static final String ALERT_HL7_RECEIVING_APPLICATION = "alert.hl7.receivingApplication";
    public static final String ALERT_HL7_RECEIVING_FACILITY = "alert.hl7.receivingFacility";
    public static final String ALERT_WEBHOOK_URL = "alert.webhook.url";
    public static final String ALERT_WEBHOOK_SECRET = "alert.webhook.secret";
    public static final String ALERT_MAX_ATTEMPTS = "alert.maxAttempts";
    public static final String ALERT_BACKOFF_SECONDS = "alert.backoffSeconds";
    public static final String ALERT_TIMEOUT_SECONDS = "alert.timeoutSeconds";
    public static final String HTTP_PUBLIC_URL = "http.publicUrl";
    public static final String HTTP_VIEWER_URL = "http.viewerUrl";
    public static final String RETENTION_IMAGE_DAYS = "retention.imageDays";
    public static final String RETENTION_RESULT_DAYS = "retention.resultDays";
    public static final String RETENTION_MIN_FREE_MB = "retention.minFreeMb";
    public static final String RETENTION_INTERVAL_MINUTES = "retention.intervalMinutes";

    public static final List<Key> ALL = List.of(
            new Key(DICOM_AET, "ICHNODE", false, Keys::aeTitle, "our AE title (called AE title the PACS must use)"),
            new Key(DICOM_PORT, "11112", false, range(1, 65535), "DICOM listening port"),
            new Key(DICOM_BIND, "127.0.0.1", false, Keys::address, "address the DICOM port binds to (0.0.0.0 for all interfaces)"),
            new Key(DICOM_ALLOWED_CALLERS, "*", false, Keys::allowlist, "comma separated calling AE titles allowed, each optionally AET@host; * = any"),
            new Key(DICOM_MAX_ASSOCIATIONS, "8", false, range(1, 256), "associations served at once; more are rejected (transient)"),
            new Key(DICOM_MAX_PDU, "262144", false, range(4096, 16 * 1024 * 1024), "largest P-DATA PDU we accept, bytes"),
            new Key(DICOM_IDLE_TIMEOUT_SECONDS, "60", false, range(1, 3600), "an association silent this long is aborted"),
            new Key(DICOM_ARTIM_SECONDS, "20", false, range(1, 600),
                    "the whole A-ASSOCIATE-RQ must arrive within this time after connecting (ARTIM), else the connection is closed"),
            new Key(HTTP_PORT, "8787", false, range(0, 65535), "HTTP status port (0 = off)"),
            new Key(HTTP_BIND, "127.0.0.1", false, Keys::address, "address the HTTP port binds to"),
            new Key(HTTP_TLS, "false", false, Keys::bool, "true: the HTTP port speaks HTTPS only (tls.keyStore)"),
            new Key(DICOM_TLS, "false", false, Keys::bool, "true: the DICOM port speaks DICOM over TLS only (TLS 1.2/1.3, tls.keyStore)"),
            new Key(DICOM_TLS_CLIENT_AUTH, "false", false, Keys::bool, "true: a DICOM peer must present a certificate that chains to tls.trustStore"),
            new Key(TLS_KEY_STORE, "", false, (k, v) -> { }, "PKCS#12 file with the node's private key and certificate chain (needed by dicom.tls and http.tls)"),
            new Key(TLS_KEY_STORE_PASSWORD, "", true, (k, v) -> { }, "password of tls.keyStore"),
            new Key(TLS_TRUST_STORE, "", false, (k, v) -> { }, "PKCS#12 file with the CA certificates client certificates must chain to (dicom.tlsClientAuth)"),
            new Key(TLS_TRUST_STORE_PASSWORD, "", true, (k, v) -> { }, "password of tls.trustStore"),
            new Key(HTTP_AUTH, "auto", false, (k, v) -> { if (!v.matches("auto|on|off")) throw new ConfigException(k, "'" + v + "' is not auto, on or off"); },
                    "auto: logins required unless http.bind is a loopback address; on; off"),
            new Key(HTTP_USERS_FILE, "var/http-users.properties", false, Keys::nonEmpty, "the HTTP users (./ichnode users add NAME --role viewer|operator)"),
            new Key(HTTP_API_TOKEN, "", true, (k, v) -> { if (!v.isEmpty() && v.length() < 32) throw new ConfigException(k, "a token has at least 32 characters"); },
                    "a static token for scripts (Authorization: Bearer ...), operator rights; empty: none"),
            new Key(STORAGE_DIR, "var/storage", false, Keys::nonEmpty, "spool and results folder"),
            new Key(STORAGE_MIN_FREE_MB, "512", false, range(0, Integer.MAX_VALUE), "refuse new instances (Out of Resources) below this free space"),
            new Key(STORAGE_PREALLOCATED_FILES, "256", false, range(0, 100_000),
                    "zero-filled spool files kept ready, each the size of the last instance (0 = none); an instance written into one is acknowledged after a data-only sync"),
            new Key(DB_URL, "jdbc:h2:file:./var/db/ichnode", false, Keys::jdbcUrl, "JDBC URL: jdbc:postgresql://... or the embedded jdbc:h2:file:..."),
            new Key(DB_USER, "", false, (k, v) -> { }, "database user"),
            new Key(DB_PASSWORD, "", true, (k, v) -> { }, "database password"),
            new Key(DB_POOL_SIZE, "10", false, range(2, 200), "database connections per node"),
            new Key(SERIES_STABLE_SECONDS, "10", false, range(1, 86400), "a series is complete after this long without a new instance"),
            new Key(SELECTION_MODALITIES, "CT", false, Keys::nonEmpty, "comma separated modalities eligible for processing"),
            new Key(SELECTION_HEAD_PATTERN, org.ichnode.core.selection.SeriesSelectionRules.DEFAULT_HEAD_PATTERN, false,
                    Settings::requirePattern, "regular expression found in an eligible series' body part or description"),
            new Key(SELECTION_MIN_SLICES, "16", false, range(1, 10000), "fewest slices of an eligible series"),
            new Key(SELECTION_MAX_SLICES, "400", false, range(1, 10000), "most slices of an eligible series"),
            new Key(SELECTION_MIN_THICKNESS_MM, "0.5", false, Keys::positiveNumber, "thinnest eligible slices, mm"),
            new Key(SELECTION_MAX_THICKNESS_MM, "10", false, Keys::positiveNumber, "thickest eligible slices, mm"),
            new Key(SELECTION_MAX_TILT_DEGREES, "35", false, Keys::positiveNumber, "largest angle between slice normal and the patient axis (gantry tilt); beyond it a series is treated as a reformat"),
            new Key(SELECTION_URGENT_PATTERN, "(?i)\\b(STAT|URGENT|EMERGENCY|TRAUMA|STROKE)\\b", false, Keys::regex, "regular expression searched in the SeriesDescription: a matching series is processed before the others waiting (empty: first in, first out)"),
            new Key(WORKER_THREADS, "1", false, range(0, 64), "processing workers in this node (0 = receive only)"),
            new Key(WORKER_LEASE_SECONDS, "300", false, range(5, 86400), "a claimed job not renewed for this long is taken again"),
            new Key(WORKER_MAX_ATTEMPTS, "3", false, range(1, 100), "attempts before a job is marked failed"),
            new Key(NODE_ID, "", false, (k, v) -> { }, "name of this node in leases and logs (default: host name)"),
            new Key(DICOM_PEERS, "", false, Keys::peers, "remote AEs we send to: comma separated AET@host:port"),
            new Key(DELIVERY_DESTINATIONS, "@caller", false, (k, v) -> { }, "where results go: comma separated AE titles from dicom.peers, or @caller (the AE that sent the series)"),
            new Key(DELIVERY_MAX_ATTEMPTS, "8", false, range(1, 1000), "attempts per object and destination before it is marked failed"),
            new Key(DELIVERY_BACKOFF_SECONDS, "10", false, range(1, 86400), "wait after the first failed attempt; doubles each time, at most one hour"),
            new Key(DELIVERY_THREADS, "1", false, range(0, 32), "delivery workers in this node (0: none)"),
            new Key(HL7_PORT, "2575", false, range(0, 65535), "HL7 v2 MLLP port for ORU^R01 report results (0 = off)"),
            new Key(HL7_BIND, "127.0.0.1", false, Keys::address, "address the HL7 port binds to"),
            new Key(HL7_MAX_MESSAGE_BYTES, "8388608", false, range(1024, Integer.MAX_VALUE),
                    "longest HL7 message accepted; a longer one closes its connection before it fills the memory"),
            new Key(HL7_TLS, "false", false, Keys::bool, "true: the HL7 port speaks MLLP over TLS only (tls.keyStore)"),
            new Key(HL7_ALLOWED_SENDERS, "*", false, (k, v) -> {
                try {
                    org.ichnode.ris.hl7.SenderAllowlist.parse(v);
                } catch (IllegalArgumentException e) {
                    throw new ConfigException(k, e.getMessage());
                }
            }, "who may send reports: * or comma separated APP^FACILITY@host entries (each part optional); others get AR and train nothing"),
            new Key(FHIR_BASE_URL, "", false, Keys::fhirBaseUrl, "FHIR R4 server to pull DiagnosticReports from, e.g. https://ris.example.org/fhir (empty = off)"),
            new Key(FHIR_AUTHORIZATION, "", true, Keys::headerValue, "Authorization header value sent to the FHIR server, e.g. 'Bearer ...' (empty = none)"),
            new Key(FHIR_SEARCH_PARAMS, "", false, Keys::fhirSearchParams, "further DiagnosticReport search parameters, e.g. category=http://terminology.hl7.org/CodeSystem/v2-0074|RAD"),
            new Key(FHIR_POLL_SECONDS, "300", false, range(10, 86400), "seconds between two FHIR pulls"),
            new Key(FHIR_PAGE_SIZE, "50", false, range(1, 1000), "DiagnosticReports asked for per page (_count)"),
            new Key(FHIR_TIMEOUT_SECONDS, "30", false, range(1, 600), "connect and read timeout of each FHIR request"),
            new Key(RESULTS_OVERLAY, "true", false, Keys::bool, "also send a Secondary Capture overlay series (for PACS that cannot show SEG)"),
            new Key(RESULTS_ALL_FRAMES, "false", false, Keys::bool, "SEG with a frame for every source slice, not only those with findings"),
            new Key(RETRAIN_ENABLED, "true", false, Keys::bool, "this node runs the clustered retrain scheduler (one node of the cluster runs each retraining)"),
            new Key(RETRAIN_CRON, "0 0 2 * * ?", false, Keys::cron, "when retraining runs: Quartz cron expression (seconds first), in the node's time zone"),
            new Key(RETRAIN_AUTO_PROMOTE, "false", false, Keys::bool, "true: a candidate that passes the gate goes into service at once; false: it waits, approved by the gate, until a person activates it (dashboard or ./ichnode models activate)"),
            new Key(RETRAIN_GATE_MIN_DICE_GAIN, "0.0", false, Keys::number, "a candidate is promoted only if its Dice minus the active model's is at least this (0: not worse)"),
            new Key(RETRAIN_GATE_MIN_SITE_AUC_GAIN, "0.0", false, Keys::number, "with held-out site studies of both labels: the candidate's study AUC on them minus the other model's must be at least this (0: not worse)"),
            new Key(RETRAIN_GATE_MAX_PHANTOM_DICE_DROP, "0.2", false, Keys::number, "sanity check when judged on site studies: the candidate's Dice on the phantom validation set may fall at most this far below the other model's"),
            new Key(RETRAIN_GATE_SITE_FRACTION, "0.2", false, Keys::number, "share of the site's report-labelled studies (of each label) held out of training to judge candidates on"),
            new Key(RETRAIN_GATE_MIN_SITE_STUDIES, "10", false, range(2, 10_000_000), "fewest studies of each label a snapshot needs before any are held out as site validation (else the gate uses the phantom Dice)"),
            new Key(RETRAIN_GATE_MIN_STUDIES, "20", false, range(1, 10_000_000), "fewest labelled studies with a processed series for a run to train"),
            new Key(RETRAIN_THREADS, "1", false, range(1, 64), "compute threads the training may use"),
            new Key(RETRAIN_MAX_MINUTES, "240", false, range(1, 10080), "training time limit; the run fails if it is not done a tenth of it later"),
            new Key(RETRAIN_INPUT_SIZE, "128", false, Keys::modelInputSize, "model input side in pixels for retraining (a multiple of 16, 64 to 512; the recipe measured on real CT uses 128)"),
            new Key(RETRAIN_CLASSIFIER_STEPS, "1200", false, range(1, 1_000_000), "optimiser steps of each classifier in a retraining"),
            new Key(RETRAIN_UNET_STEPS, "600", false, range(1, 1_000_000), "U-Net optimiser steps at most in a retraining (early stopping may end sooner)"),
            new Key(RETRAIN_VALIDATION_DATA, "phantom:full", false, Keys::nonEmpty, "the fixed validation set with true masks for the gate: phantom:full, phantom:small or an imported folder"),
            new Key(RETRAIN_VALIDATION_STUDIES, "8", false, range(1, 10_000), "studies of a generated phantom validation set"),
            new Key(MODEL_DIR, "default", false, Keys::nonEmpty, "segmenter: 'default' (the shipped model in models/default, else the baseline), 'baseline' (HU threshold), or a model artifact folder"),
            new Key(MODEL_THREADS, "2", false, range(1, 64), "PyTorch threads for model inference (read once per process)"),
            new Key(ALERT_HL7_DESTINATION, "", false, Keys::hostPortOrEmpty, "host:port (host:port/tls for MLLP over TLS) of the RIS's MLLP listener that gets an ORU^R01 for every positive call (empty: no HL7 alert)"),
            new Key(ALERT_HL7_RECEIVING_APPLICATION, "RIS", false, Keys::nonEmpty, "MSH-5 of the HL7 alert"),
            new Key(ALERT_HL7_RECEIVING_FACILITY, "HOSPITAL", false, Keys::nonEmpty, "MSH-6 of the HL7 alert"),
            new Key(ALERT_WEBHOOK_URL, "", false, Keys::httpUrlOrEmpty, "URL that gets a JSON POST for every positive call (empty: no webhook)"),
            new Key(ALERT_WEBHOOK_SECRET, "", true, (k, v) -> { }, "key of the HMAC-SHA256 signature in the webhook's X-Ichnode-Signature header (empty: unsigned)"),
            new Key(ALERT_MAX_ATTEMPTS, "20", false, range(1, 1000), "attempts per alert before it is marked failed (visible, re-sendable)"),
            new Key(ALERT_BACKOFF_SECONDS, "5", false, range(1, 3600), "wait after an alert's first failed attempt; doubles each time, at most 10 minutes"),
            new Key(ALERT_TIMEOUT_SECONDS, "10", false, range(1, 300), "connect and answer timeout of one alert attempt"),
            new Key(HTTP_PUBLIC_URL, "", false, Keys::httpUrlOrEmpty, "the node's address as people reach it (e.g. https://ichnode.hospital.local:8787): alerts link to the result page under it (empty: no link)"),
            new Key(RETENTION_IMAGE_DAYS, "90", false, range(0, 36500), "received images of finished series (processed and every result delivered and alert sent, or ignored) are removed this many days after completion; 0: kept"),
            new Key(RETENTION_RESULT_DAYS, "730", false, range(0, 36500), "result objects (SEG, SR, overlay) are removed from the node this many days after the result; the result's summary stays; 0: kept"),
            new Key(RETENTION_MIN_FREE_MB, "0", false, range(0, 100_000_000), "while free space in storage.dir is below this, the oldest finished series' images are removed whatever their age (0: off; set it above storage.minFreeMb)"),
            new Key(RETENTION_INTERVAL_MINUTES, "60", false, range(1, 10080), "minutes between retention passes (the first 1 minute after start)"),
            new Key(HTTP_VIEWER_URL, "", false, Keys::viewerUrl, "the PACS viewer's address for one study, {studyUid} replaced by its Study Instance UID; the result page links to it (empty: no link)"));

    public static Key find(String name) {
        for (Key k : ALL) if (k.name().equals(name)) return k;
        return null;
    }

    private static BiConsumer<String, String> range(long min, long max) {
        return (key, v) -> {
            long n;
            try {
                n = Long.parseLong(v);
            } catch (NumberFormatException e) {
                throw new ConfigException(key, "'" + v + "' is not a whole number");
            }
            if (n < min || n > max) throw new ConfigException(key, n + " is outside " + min + ".." + max);
        };
    }

    private static void positiveNumber(String key, String v) {
        try {
            if (Double.parseDouble(v) > 0) return;
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new ConfigException(key, "'" + v + "' is not a positive number");
    }

    private static void number(String key, String v) {
        try {
            if (Double.isFinite(Double.parseDouble(v))) return;
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new ConfigException(key, "'" + v + "' is not a number");
    }

    private static void cron(String key, String v) {
        if (!org.quartz.CronExpression.isValidExpression(v)) {
            throw new ConfigException(key, "'" + v + "' is not a Quartz cron expression (seconds minutes hours day-of-month month day-of-week, e.g. '0 0 2 * * ?')");
        }
    }

    private static void modelInputSize(String key, String v) {
        range(64, 512).accept(key, v);
        if (Long.parseLong(v) % 16 != 0) throw new ConfigException(key, "must be a multiple of 16, got " + v);
    }

    private static void nonEmpty(String key, String v) {
        if (v.isBlank()) throw new ConfigException(key, "must not be empty");
    }

    private static void aeTitle(String key, String v) {
        if (v.isEmpty() || v.length() > 16 || v.chars().anyMatch(c -> c < 0x20 || c > 0x7E || c == '\\')) {
            throw new ConfigException(key, "'" + v + "' is not a valid AE title (1 to 16 printable characters, no backslash)");
        }
    }

    private static void address(String key, String v) {
        try {
            InetAddress.getByName(v);
        } catch (UnknownHostException e) {
            throw new ConfigException(key, "'" + v + "' is not an address of this machine or a resolvable name");
        }
    }

    private static void allowlist(String key, String v) {
        try {
            CallerAllowlist.parse(v);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(key, e.getMessage());
        }
    }

    private static void hostPortOrEmpty(String key, String v) {
        if (v.isEmpty()) return;
        if (v.endsWith("/tls")) v = v.substring(0, v.length() - 4);
        int colon = v.lastIndexOf(':');
        if (colon < 1) throw new ConfigException(key, "'" + v + "' is not host:port");
        range(1, 65535).accept(key, v.substring(colon + 1));
    }

    private static void httpUrlOrEmpty(String key, String v) {
        if (v.isEmpty()) return;
        try {
            java.net.URI u = new java.net.URI(v);
            if ((u.getScheme() != null && (u.getScheme().equals("http") || u.getScheme().equals("https"))) && u.getHost() != null) return;
        } catch (java.net.URISyntaxException ignored) {
            // reported below
        }
        throw new ConfigException(key, "'" + v + "' is not an absolute http(s) URL");
    }

    private static void viewerUrl(String key, String v) {
        if (v.isEmpty()) return;
        httpUrlOrEmpty(key, v.replace("{studyUid}", "x"));
        if (!v.contains("{studyUid}")) throw new ConfigException(key, "must contain {studyUid}");
    }

    private static void regex(String key, String v) {
        try {
            java.util.regex.Pattern.compile(v);
        } catch (java.util.regex.PatternSyntaxException e) {
            throw new ConfigException(key, "not a regular expression: " + e.getDescription());
        }
    }

    private static void bool(String key, String v) {
        if (!v.equals("true") && !v.equals("false")) throw new ConfigException(key, "'" + v + "' is neither true nor false");
    }

    private static void peers(String key, String v) {
        try {
            Peers.parse(v);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(key, e.getMessage());
        }
    }

    /** Empty (off) or an absolute http(s) URL with a host and no user info (credentials go in fhir.authorization). */
    private static void fhirBaseUrl(String key, String v) {
        if (v.isEmpty()) return;
        java.net.URI u;
        try {
            u = new java.net.URI(v);
        } catch (java.net.URISyntaxException e) {
            throw new ConfigException(key, "'" + v + "' is not a URL: " + e.getReason());
        }
        if (!"http".equals(u.getScheme()) && !"https".equals(u.getScheme()) || u.getHost() == null) {
            throw new ConfigException(key, "'" + v + "' is not an http:// or https:// URL with a host");
        }
        if (u.getRawUserInfo() != null) throw new ConfigException(key, "must not carry user:password (put credentials in fhir.authorization)");
        if (u.getRawQuery() != null || u.getRawFragment() != null) throw new ConfigException(key, "the base URL takes no query or fragment");
    }

    private static void fhirSearchParams(String key, String v) {
        try {
            org.ichnode.ris.fhir.FhirReportPuller.Settings.checkSearchParams(v);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(key, e.getMessage());
        }
    }

    /** One line of printable characters (a header value; CR or LF would start another header). The value is secret: not echoed. */
    private static void headerValue(String key, String v) {
        if (v.chars().anyMatch(c -> c < 0x20 && c != '\t' || c == 0x7F)) throw new ConfigException(key, "must be one line without control characters");
    }

    private static void jdbcUrl(String key, String v) {
        if (!v.startsWith("jdbc:postgresql:") && !v.startsWith("jdbc:h2:")) {
            throw new ConfigException(key, "'" + v + "' is neither jdbc:postgresql: nor jdbc:h2:");
        }
    }
}
