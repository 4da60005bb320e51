package org.ichnode.node.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class SettingsTest {
    @TempDir Path tmp;

    @Test
    void defaultsAreTheEmbeddedZeroSetupNode() {
        Settings s = Settings.load(null, Map.of(), List.of());
        assertEquals("ICHNODE", s.get(Keys.DICOM_AET));
        assertEquals("127.0.0.1", s.get(Keys.DICOM_BIND));
        assertEquals(10, s.getInt(Keys.SERIES_STABLE_SECONDS));
        assertTrue(s.get(Keys.DB_URL).startsWith("jdbc:h2:file:"));
    }

    @Test
    void fileThenEnvironmentThenSetWin() throws Exception {
        Path f = tmp.resolve("node.properties");
        Files.writeString(f, "dicom.aet=FROMFILE\ndicom.port=2000\nhttp.port=9000\n");
        Settings s = Settings.load(f, Map.of("ICHNODE_DICOM_PORT", "3000", "ICHNODE_HTTP_PORT", "9100",
                "ICHNODE_DICOM_ALLOWEDCALLERS", "PACS@127.0.0.1"), List.of("http.port=9200"));
        assertEquals("FROMFILE", s.get(Keys.DICOM_AET));
        assertEquals(3000, s.getInt(Keys.DICOM_PORT));
        assertEquals(9200, s.getInt(Keys.HTTP_PORT));
        assertEquals("PACS@127.0.0.1", s.get(Keys.DICOM_ALLOWED_CALLERS));
        assertTrue(s.describe().get(Keys.HTTP_PORT).contains("--set"));
    }

    @Test
    void retrainKeysAreChecked() {
        Settings s = Settings.load(null, Map.of(), List.of());
        assertEquals("0 0 2 * * ?", s.get(Keys.RETRAIN_CRON));
        assertEquals(0.0, s.getDouble(Keys.RETRAIN_GATE_MIN_DICE_GAIN));
        assertEquals(-0.02, Settings.load(null, Map.of(), List.of("retrain.gate.minDiceGain=-0.02")).getDouble(Keys.RETRAIN_GATE_MIN_DICE_GAIN));
        ConfigException cron = assertThrows(ConfigException.class, () -> Settings.load(null, Map.of(), List.of("retrain.cron=0 2 * * *")));
        assertTrue(cron.getMessage().contains("retrain.cron") && cron.getMessage().contains("not a Quartz cron expression"), cron.getMessage());
        ConfigException gain = assertThrows(ConfigException.class, () -> Settings.load(null, Map.of(), List.of("retrain.gate.minDiceGain=NaN")));
        assertTrue(gain.getMessage().contains("retrain.gate.minDiceGain"), gain.getMessage());
        assertThrows(ConfigException.class, () -> Settings.load(null, Map.of(), List.of("retrain.threads=0")));
    }

    @Test
    void environmentNamesFollowTheRule() {
        assertEquals("ICHNODE_SERIES_STABLESECONDS", Settings.envName("series.stableSeconds"));
    }

    @Test
    void badValuesNameTheKeyAndTheProblem() {
        ConfigException port = assertThrows(ConfigException.class, () -> Settings.load(null, Map.of(), List.of("dicom.port=70000")));
        assertEquals("dicom.port", port.key());
        assertTrue(port.getMessage().contains("70000") && port.getMessage().contains("1..65535"), port.getMessage());

        ConfigException word = assertThrows(ConfigException.class, () -> Settings.load(null, Map.of("ICHNODE_SERIES_STABLESECONDS", "soon"), List.of()));
        assertEquals("series.stableSeconds", word.key());

        ConfigException ae = assertThrows(ConfigException.class, () -> Settings.load(null, Map.of(), List.of("dicom.aet=MUCH_TOO_LONG_AE_TITLE")));
        assertEquals("dicom.aet", ae.key());

        ConfigException allow = assertThrows(ConfigException.class, () -> Settings.load(null, Map.of(), List.of("dicom.allowedCallers=PACS@")));
        assertEquals("dicom.allowedCallers", allow.key());

        ConfigException db = assertThrows(ConfigException.class, () -> Settings.load(null, Map.of(), List.of("db.url=jdbc:mysql://x/y")));
        assertEquals("db.url", db.key());

        ConfigException regex = assertThrows(ConfigException.class, () -> Settings.load(null, Map.of(), List.of("selection.headPattern=(head")));
        assertEquals("selection.headPattern", regex.key());
    }

    @Test
    void unknownKeysAreRefusedWherever() throws Exception {
        ConfigException set = assertThrows(ConfigException.class, () -> Settings.load(null, Map.of(), List.of("dicom.aetitle=X")));
        assertEquals("dicom.aetitle", set.key());
        Path f = tmp.resolve("typo.properties");
        Files.writeString(f, "storage.directory=/x\n");
        ConfigException file = assertThrows(ConfigException.class, () -> Settings.load(f, Map.of(), List.of()));
        assertTrue(file.getMessage().contains("storage.directory") && file.getMessage().contains("unknown key"), file.getMessage());
        assertThrows(ConfigException.class, () -> Settings.load(tmp.resolve("missing.properties"), Map.of(), List.of()));
    }

    @Test
    void fhirPullIsOffByDefaultAndItsKeysAreChecked() {
        Settings s = Settings.load(null, Map.of(), List.of());
        assertEquals("", s.get(Keys.FHIR_BASE_URL));
        assertEquals(300, s.getInt(Keys.FHIR_POLL_SECONDS));
        Settings on = Settings.load(null, Map.of("ICHNODE_FHIR_AUTHORIZATION", "Bearer abc.def"),
                List.of("fhir.baseUrl=https://ris.example.org/fhir", "fhir.pageSize=20"));
        assertEquals("https://ris.example.org/fhir", on.get(Keys.FHIR_BASE_URL));
        assertEquals("Bearer abc.def", on.get(Keys.FHIR_AUTHORIZATION));
        assertFalse(on.describe().toString().contains("abc.def"), "the Authorization value is masked");

        for (String bad : List.of("ftp://ris.example.org/fhir", "ris.example.org/fhir", "https://ris.example.org/fhir?x=1", "http://bad url")) {
            ConfigException e = assertThrows(ConfigException.class, () -> Settings.load(null, Map.of(), List.of("fhir.baseUrl=" + bad)), bad);
            assertEquals("fhir.baseUrl", e.key());
        }
        ConfigException userInfo = assertThrows(ConfigException.class,
                () -> Settings.load(null, Map.of(), List.of("fhir.baseUrl=https://user:hunter2@ris.example.org/fhir")));
        assertEquals("fhir.baseUrl", userInfo.key());
        assertFalse(userInfo.getMessage().contains("hunter2"), userInfo.getMessage());

        ConfigException header = assertThrows(ConfigException.class,
                () -> Settings.load(null, Map.of("ICHNODE_FHIR_AUTHORIZATION", "Bearer x\r\nX-Evil: 1"), List.of()));
        assertEquals("fhir.authorization", header.key());
        assertFalse(header.getMessage().contains("Bearer"), "the secret is not echoed");

        assertEquals("category=http://terminology.hl7.org/CodeSystem/v2-0074|RAD", Settings.load(null, Map.of(),
                List.of("fhir.searchParams=category=http://terminology.hl7.org/CodeSystem/v2-0074|RAD")).get(Keys.FHIR_SEARCH_PARAMS));
        for (String bad : List.of("category", "_count=5", "category=RAD&_lastUpdated=gt2025", "category=a b")) {
            ConfigException e = assertThrows(ConfigException.class, () -> Settings.load(null, Map.of(), List.of("fhir.searchParams=" + bad)), bad);
            assertEquals("fhir.searchParams", e.key());
        }
        assertEquals("fhir.pollSeconds", assertThrows(ConfigException.class,
                () -> Settings.load(null, Map.of(), List.of("fhir.pollSeconds=5"))).key());
        assertEquals("fhir.pageSize", assertThrows(ConfigException.class,
                () -> Settings.load(null, Map.of(), List.of("fhir.pageSize=0"))).key());
        assertEquals("fhir.timeoutSeconds", assertThrows(ConfigException.class,
                () -> Settings.load(null, Map.of(), List.of("fhir.timeoutSeconds=soon"))).key());
    }

    @Test
    void passwordsAreMaskedInDescriptions() {
        Settings s = Settings.load(null, Map.of("ICHNODE_DB_PASSWORD", "pw-Xq71"), List.of("alert.webhook.secret=hook-Zr55"));
        assertFalse(s.describe().toString().contains("pw-Xq71"));
        assertFalse(s.describe().toString().contains("hook-Zr55"));
    }
}
