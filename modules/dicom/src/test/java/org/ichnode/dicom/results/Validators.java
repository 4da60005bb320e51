package org.ichnode.dicom.results;

import com.pixelmed.dicom.AttributeList;
import org.ichnode.dicom.testing.Tools;
import org.junit.jupiter.api.Assumptions;

import java.lang.reflect.Method;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The real referees: dicom3tools dciodvfy, PixelMed's DicomSRValidator, dcmjs (node). */
final class Validators {
    private Validators() { }

    /** Runs dciodvfy, prints its output and fails on any line with "Error". Returns the output. */
    static String dciodvfy(Path file) throws Exception {
        Tools.Result r = Tools.run(List.of("dciodvfy", file.toString()));
        System.out.println("--- dciodvfy " + file.getFileName() + " (exit " + r.exitCode() + ")\n" + r.output());
        List<String> errors = r.output().lines().filter(l -> l.contains("Error")).toList();
        assertTrue(errors.isEmpty(), "dciodvfy reports errors for " + file + ":\n" + String.join("\n", errors));
        return r.output();
    }

    /** Runs PixelMed's DicomSRValidator, prints its output; fails unless TID 1500 is found and no error reported. */
    static String srValidator(Path file) throws Exception {
        Class<?> c;
        try {
            c = Class.forName("com.pixelmed.validate.DicomSRValidator");
        } catch (ClassNotFoundException e) {
            Assumptions.abort("com.pixelmed.validate.DicomSRValidator is not on the classpath: skipping the SR template check");
            return "";
        }
        // Java 17's XPath limits are too small for PixelMed's compiled templates
        System.setProperty("jdk.xml.xpathExprOpLimit", "0");
        System.setProperty("jdk.xml.xpathExprGrpLimit", "0");
        System.setProperty("jdk.xml.xpathTotalOpLimit", "0");
        AttributeList list = new AttributeList();
        list.read(file.toString());
        Object validator = c.getConstructor().newInstance();
        Method validate = c.getMethod("validate", AttributeList.class);
        String out = (String) validate.invoke(validator, list);
        System.out.println("--- DicomSRValidator " + file.getFileName() + "\n" + out);
        assertTrue(out.contains("Found Root Template TID_1500"), "TID 1500 not found:\n" + out);
        List<String> bad = out.lines().filter(l -> l.startsWith("Error") || l.contains(" Error") || l.toLowerCase().contains("error:")).toList();
        assertTrue(bad.isEmpty(), "DicomSRValidator reports errors:\n" + String.join("\n", bad));
        return out;
    }

    record DcmjsFrame(int frame, String referencedSopInstanceUid, int segmentNumber, long setPixels, long indexSum) { }

    record DcmjsImage(String sopInstanceUid, long setPixels, long indexSum) { }

    record DcmjsResult(String json, int numberOfFrames, List<DcmjsFrame> frames, Map<String, DcmjsImage> images) { }

    /** Reads {@code seg} with dcmjs and its Cornerstone adapter against {@code sources}; skips when node or dcmjs
     *  is absent. */
    static DcmjsResult dcmjs(Path seg, List<Path> sources) throws Exception {
        Tools.requireTool("node");
        Path root = Path.of(System.getProperty("ichnode.root.dir", "../..")).toAbsolutePath().normalize();
        Path modules = root.resolve("scripts/js/node_modules");
        Assumptions.assumeTrue(Files.isDirectory(modules.resolve("dcmjs")),
                "dcmjs not installed at " + modules + " (ICHNODE_SETUP_TEST=1 bash scripts/setup.sh installs it): skipping");
        Path script = script();
        List<String> cmd = new ArrayList<>(List.of("node", script.toString(), seg.toString()));
        for (Path p : sources) cmd.add(p.toString());
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("NODE_PATH", modules.toString());
        pb.redirectError(ProcessBuilder.Redirect.INHERIT);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        int rc = p.waitFor();
        assertEquals(0, rc, "node " + script.getFileName() + " failed:\n" + out);
        String json = out.lines().filter(l -> l.startsWith("{")).reduce((a, b) -> b).orElse("");
        assertFalse(json.isEmpty(), "no JSON from dcmjs script:\n" + out);
        Matcher n = Pattern.compile("\"numberOfFrames\":(\\d+)").matcher(json);
        assertTrue(n.find());
        List<DcmjsFrame> frames = new ArrayList<>();
        Matcher f = Pattern.compile("\\{\"frame\":(\\d+),\"referencedSopInstanceUid\":\"([0-9.]+)\",\"segmentNumber\":(\\d+),"
                + "\"imagePositionPatient\":\\[[^\\]]*\\],\"setPixels\":(\\d+),\"indexSum\":(\\d+)\\}").matcher(json);
        while (f.find()) {
            frames.add(new DcmjsFrame(Integer.parseInt(f.group(1)), f.group(2), Integer.parseInt(f.group(3)),
                    Long.parseLong(f.group(4)), Long.parseLong(f.group(5))));
        }
        Map<String, DcmjsImage> images = new ConcurrentHashMap<>();
        Matcher i = Pattern.compile("\\{\"sopInstanceUid\":\"([0-9.]+)\",\"setPixels\":(\\d+),\"indexSum\":(\\d+),").matcher(json);
        while (i.find()) images.put(i.group(1), new DcmjsImage(i.group(1), Long.parseLong(i.group(2)), Long.parseLong(i.group(3))));
        return new DcmjsResult(json, Integer.parseInt(n.group(1)), frames, images);
    }

    private static Path script() throws URISyntaxException {
        var url = Validators.class.getResource("/dcmjs/seg-to-sources.js");
        if (url == null) throw new IllegalStateException("test resource dcmjs/seg-to-sources.js missing");
        return Path.of(url.toURI());
    }
}
