package org.ichnode.app.docs;

import org.ichnode.dicom.testing.Tools;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** docker-compose.yml must be a valid compose file (no Docker engine here: `config` validates without one). */
class ComposeFileTest {
    @Test
    void composeFileIsAccepted() throws Exception {
        Path root = Path.of(System.getProperty("ichnode.root.dir", "../.."));
        Tools.Result r = Tools.run(List.of("docker-compose", "-f", root.resolve("docker-compose.yml").toString(), "config"));
        assertEquals(0, r.exitCode(), r.output());
        for (String service : List.of("postgres:", "ichnode:", "orthanc:")) assertTrue(r.output().contains(service), service + "\n" + r.output());
        assertTrue(r.output().contains("/etc/ichnode"), "conf/ is mounted");
    }
}
