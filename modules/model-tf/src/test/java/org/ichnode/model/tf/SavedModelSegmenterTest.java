package org.ichnode.model.tf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.ichnode.testkit.phantom.PhantomGenerator;
import org.ichnode.testkit.phantom.PhantomOptions;
import org.ichnode.testkit.phantom.PhantomStudy;
import org.ichnode.core.segmentation.BrainMask;
import org.ichnode.core.segmentation.Finding;
import org.ichnode.core.segmentation.Segmentation;
import org.ichnode.core.volume.Volume;
import org.ichnode.core.volume.HuWindow;
import org.ichnode.core.preprocess.PreparedSlice;
import org.ichnode.core.preprocess.PreprocessOptions;
import org.ichnode.core.preprocess.SlicePreprocessor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.ndarray.Shape;

/**
 * The tests write their own SavedModels with TensorFlow Java ({@link TinySavedModels}): a per-pixel sigmoid of the
 * windowed HU, steep around 60.5 HU, so that with threshold 0.5 the expected mask is "brain and HU &ge; 61".
 */
class SavedModelSegmenterTest {
    static final int THREADS = Integer.getInteger("ichnode.test.tf.threads", 1);
    static final float K = 40f;
    /** Between two integer HU values, so no voxel sits on the threshold. */
    static final double CUT_HU = 60.5;

    static PhantomStudy study;
    static byte[] brain;

    @TempDir Path tmp;

    @BeforeAll
    static void phantom() {
        PhantomGenerator gen = new PhantomGenerator(PhantomOptions.small());
        // the first study of seed 7 with a bleed of some size (deterministic)
        for (int i = 0; study == null; i++) {
            PhantomStudy s = gen.generate(7, i);
            if (s.maskVoxelCount() >= 300) study = s;
        }
        brain = new BrainMask().compute(study.volume()).brain();
    }

    static SavedModelSegmenter.Options options(int chunk) {
        return SavedModelSegmenter.Options.defaults().withChunkSlices(chunk).withMinLesionVolumeMl(0).withThreads(THREADS);
    }

    /** A single-window model at the source resolution: the mapping is the identity, so the result is exact. */
    Path singleWindowModel(int size) throws IOException {
        Path dir = tmp.resolve("single-" + size);
        TinySavedModels.exportWeightedSigmoid(dir, size, new float[] {1f}, K, HuWindow.HEMORRHAGE.apply(CUT_HU));
        TinySavedModels.writeSidecar(dir, size, "50/130", 0.5);
        return dir;
    }

    /** The node finds this runner through ServiceLoader, with model-tf on its class path only where wanted. */
    @Test void theProviderIsFoundAndRunsTheSavedModel() throws Exception {
        Path dir = singleWindowModel(128);
        org.ichnode.core.segmentation.SegmenterProvider found = null;
        for (var p : java.util.ServiceLoader.load(org.ichnode.core.segmentation.SegmenterProvider.class)) if (p.accepts(dir)) found = p;
        assertNotNull(found, "SavedModelProvider is registered in META-INF/services");
        org.junit.jupiter.api.Assertions.assertFalse(found.accepts(tmp.resolve("empty")), "a folder without the sidecar is not a SavedModel");
        org.ichnode.core.segmentation.Segmenter s = found.open(dir, THREADS);
        assertEquals("tiny-sigmoid", s.algorithmName());
        if (s instanceof AutoCloseable c) c.close();
    }

    @Test void maskIsTheThresholdedWindowInsideTheBrain() throws IOException {
        Volume v = study.volume();
        assertEquals(128, v.columns());
        Segmentation seg;
        try (SavedModelSegmenter segmenter = SavedModelSegmenter.load(singleWindowModel(128), options(4))) {
            assertEquals("tiny-sigmoid", segmenter.algorithmName());
            assertEquals("0.0.1-test", segmenter.algorithmVersion());
            seg = segmenter.segment(v);
        }
        assertEquals("tiny-sigmoid", seg.algorithmName());
        short[] hu = v.hu();
        float t = HuWindow.HEMORRHAGE.apply(CUT_HU);
        int expectedCount = 0;
        double maxP = 0;
        for (int i = 0; i < hu.length; i++) {
            boolean expected = brain[i] != 0 && hu[i] >= 61;
            assertEquals(expected ? 1 : 0, seg.mask()[i], "voxel " + i);
            if (expected) expectedCount++;
            double p = brain[i] == 0 ? 0 : 1 / (1 + Math.exp(-K * (HuWindow.HEMORRHAGE.apply(hu[i]) - t)));
            assertEquals(p, seg.probability()[i], 1e-5, "probability of voxel " + i);
            if (brain[i] != 0) maxP = Math.max(maxP, p);
        }
        assertTrue(expectedCount > 100, "the phantom shows " + expectedCount + " voxels >= 61 HU in the brain");
        assertEquals(maxP, seg.studyProbability(), 1e-5);
        // with no minimum volume every component is a finding, and together they are the mask
        long inFindings = seg.findings().stream().mapToLong(Finding::voxelCount).sum();
        assertEquals(expectedCount, inFindings);
        // a HU threshold is a crude model, but it must find this bleed (measured Dice 0.74)
        double dice = dice(seg.mask(), study.mask());
        assertTrue(dice > 0.6, "Dice with the true bleed " + dice);
    }

    @Test void threeWindowsReachTheModelChannelsLast() throws IOException {
        // the model looks at channel 1 only (subdural 80/200): any mix-up of channels or pixels changes the mask
        Path dir = tmp.resolve("three");
        TinySavedModels.exportWeightedSigmoid(dir, 128, new float[] {0f, 1f, 0f}, K, HuWindow.SUBDURAL.apply(CUT_HU));
        TinySavedModels.writeSidecar(dir, 128, "40/80, 80/200, 600/2800", 0.5);
        Segmentation seg;
        try (SavedModelSegmenter segmenter = SavedModelSegmenter.load(dir, options(5))) {
            assertEquals(3, segmenter.sidecar().channels());
            seg = segmenter.segment(study.volume());
        }
        short[] hu = study.volume().hu();
        for (int i = 0; i < hu.length; i++) {
            assertEquals(brain[i] != 0 && hu[i] >= 61 ? 1 : 0, seg.mask()[i], "voxel " + i);
        }
    }

    @Test void chunkSizeDoesNotChangeTheResult() throws IOException {
        Path dir = singleWindowModel(128);
        Segmentation whole;
        try (SavedModelSegmenter s = SavedModelSegmenter.load(dir, options(study.volume().slices()))) {
            whole = s.segment(study.volume());
        }
        for (int chunk : new int[] {1, 5, 100}) {
            try (SavedModelSegmenter s = SavedModelSegmenter.load(dir, options(chunk))) {
                Segmentation seg = s.segment(study.volume());
                assertArrayEquals(whole.mask(), seg.mask(), "chunk " + chunk);
                assertArrayEquals(whole.probability(), seg.probability(), "chunk " + chunk);
                assertEquals(whole.findings(), seg.findings(), "chunk " + chunk);
                assertEquals(whole.studyProbability(), seg.studyProbability(), "chunk " + chunk);
            }
        }
    }

    @Test void smallerModelInputOnANonSquareSliceMapsBack() throws IOException {
        // 160 x 128 slices into a 64 x 64 model: scale 0.4, 6.4 px of padding above and below
        PhantomStudy wide = new PhantomGenerator(PhantomOptions.small().withMatrix(160, 128).withNoise(0, 0)).generate(7, study.studyIndex());
        Volume v = wide.volume();
        byte[] wideBrain = new BrainMask().compute(v).brain();
        Segmentation seg;
        try (SavedModelSegmenter s = SavedModelSegmenter.load(singleWindowModel(64), options(5))) {
            seg = s.segment(v);
        }
        // exact: the model's map of each prepared slice, taken back through its SliceMapping
        SlicePreprocessor pre = new SlicePreprocessor(PreprocessOptions.single(64));
        float t = HuWindow.HEMORRHAGE.apply(CUT_HU);
        int per = v.voxelsPerSlice();
        for (int k = 0; k < v.slices(); k++) {
            PreparedSlice p = pre.prepare(v, k);
            float[] map = new float[64 * 64];
            for (int i = 0; i < map.length; i++) map[i] = (float) (1 / (1 + Math.exp(-K * (p.pixels()[i] - t))));
            float[] back = p.mapping().toSource(map);
            for (int i = 0; i < per; i++) {
                float expected = wideBrain[k * per + i] == 0 ? 0 : back[i];
                assertEquals(expected, seg.probability()[k * per + i], 1e-5, "slice " + k + " pixel " + i);
            }
        }
        // and independent of the mapping code: the coarse mask lies where the source-grid threshold is
        byte[] direct = new byte[v.hu().length];
        for (int i = 0; i < direct.length; i++) direct[i] = (byte) (wideBrain[i] != 0 && v.hu()[i] >= 61 ? 1 : 0);
        // measured 0.71 (2.5x downsampling blurs small bleeds); a shift by one model pixel gives 0.24, a transpose 0.00
        double dice = dice(seg.mask(), direct);
        assertTrue(dice > 0.6, "Dice with the source-grid threshold " + dice);
    }

    @Test void minimumLesionVolumeDropsSmallComponents() throws IOException {
        Path dir = singleWindowModel(128);
        Segmentation all, big;
        try (SavedModelSegmenter s = SavedModelSegmenter.load(dir, options(6))) { all = s.segment(study.volume()); }
        try (SavedModelSegmenter s = SavedModelSegmenter.load(dir, options(6).withMinLesionVolumeMl(0.5))) { big = s.segment(study.volume()); }
        assertTrue(big.findings().size() < all.findings().size(), all.findings().size() + " -> " + big.findings().size());
        assertTrue(big.hemorrhageFound());
        for (Finding f : big.findings()) assertTrue(f.volumeMl() >= 0.5, f.toString());
        // the study probability does not depend on what is reported
        assertEquals(all.studyProbability(), big.studyProbability());
    }

    // ---- errors a site will meet when importing a model

    @Test void missingSidecarIsNamed() throws IOException {
        Path dir = tmp.resolve("nosidecar");
        TinySavedModels.exportIdentitySigmoid(dir, Shape.of(-1, 64, 64, 1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SavedModelSegmenter.load(dir));
        assertTrue(e.getMessage().contains("no " + SavedModelSidecar.FILE_NAME), e.getMessage());
    }

    @Test void notASavedModelFolder() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SavedModelSegmenter.load(tmp));
        assertTrue(e.getMessage().contains("no saved_model.pb"), e.getMessage());
    }

    @Test void badSidecarValuesAreNamed() throws IOException {
        Path dir = tmp.resolve("badsidecar");
        TinySavedModels.exportIdentitySigmoid(dir, Shape.of(-1, 64, 64, 1));
        assertSidecarError(dir, "missing threshold", "model.name=a\nmodel.version=1\ninput.size=64\ninput.windows=50/130\n");
        assertSidecarError(dir, "unknown keys [treshold]", "model.name=a\nmodel.version=1\ninput.size=64\ninput.windows=50/130\nthreshold=0.5\ntreshold=0.4\n");
        assertSidecarError(dir, "expected level/width, got '50-130'", "model.name=a\nmodel.version=1\ninput.size=64\ninput.windows=50-130\nthreshold=0.5\n");
        assertSidecarError(dir, "threshold must be inside (0, 1)", "model.name=a\nmodel.version=1\ninput.size=64\ninput.windows=50/130\nthreshold=50\n");
        assertSidecarError(dir, "input.size is not an integer", "model.name=a\nmodel.version=1\ninput.size=64px\ninput.windows=50/130\nthreshold=0.5\n");
    }

    private static void assertSidecarError(Path dir, String expected, String sidecar) throws IOException {
        Files.writeString(dir.resolve(SavedModelSidecar.FILE_NAME), sidecar);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SavedModelSegmenter.load(dir));
        assertTrue(e.getMessage().contains(expected) && e.getMessage().contains(SavedModelSidecar.FILE_NAME), e.getMessage());
    }

    @Test void inputSizeOrChannelsDifferentFromTheSidecar() throws IOException {
        Path dir = tmp.resolve("size");
        TinySavedModels.exportIdentitySigmoid(dir, Shape.of(-1, 64, 64, 1));
        TinySavedModels.writeSidecar(dir, 128, "50/130", 0.5);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SavedModelSegmenter.load(dir));
        assertTrue(e.getMessage().contains("has shape [-1, 64, 64, 1]") && e.getMessage().contains("needs NHWC [-1, 128, 128, 1]"), e.getMessage());
        TinySavedModels.writeSidecar(dir, 64, "40/80,80/200,600/2800", 0.5);
        e = assertThrows(IllegalArgumentException.class, () -> SavedModelSegmenter.load(dir));
        assertTrue(e.getMessage().contains("needs NHWC [-1, 64, 64, 3]"), e.getMessage());
    }

    @Test void inputOfWrongRank() throws IOException {
        Path dir = tmp.resolve("rank");
        TinySavedModels.exportIdentitySigmoid(dir, Shape.of(-1, 64, 64));
        TinySavedModels.writeSidecar(dir, 64, "50/130", 0.5);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SavedModelSegmenter.load(dir));
        assertTrue(e.getMessage().contains("has shape [-1, 64, 64]"), e.getMessage());
    }

    @Test void outputOfWrongSizeIsRefusedAtLoadWhenDeclared() throws IOException {
        Path dir = tmp.resolve("pooled");
        TinySavedModels.exportPooled(dir, Shape.of(-1, 64, 64, 1));
        TinySavedModels.writeSidecar(dir, 64, "50/130", 0.5);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SavedModelSegmenter.load(dir));
        assertTrue(e.getMessage().contains("output 'probability' has shape [-1, 32, 32, 1]"), e.getMessage());
    }

    @Test void outputOfWrongSizeIsRefusedAtRunWhenNotDeclared() throws IOException {
        // unknown input shape: TensorFlow cannot infer the output's, so only the first call can tell
        Path dir = tmp.resolve("pooled-unknown");
        TinySavedModels.exportPooled(dir, Shape.unknown());
        TinySavedModels.writeSidecar(dir, 64, "50/130", 0.5);
        try (SavedModelSegmenter s = SavedModelSegmenter.load(dir, options(4))) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> s.segment(study.volume()));
            assertTrue(e.getMessage().contains("has shape [4, 32, 32, 1] for an input of [4, 64, 64, 1]"), e.getMessage());
        }
    }

    @Test void outputThatIsNotAProbability() throws IOException {
        Path dir = tmp.resolve("unbounded");
        TinySavedModels.exportUnbounded(dir, 64);
        TinySavedModels.writeSidecar(dir, 64, "50/130", 0.5);
        try (SavedModelSegmenter s = SavedModelSegmenter.load(dir, options(4))) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> s.segment(study.volume()));
            assertTrue(e.getMessage().contains("outside 0..1"), e.getMessage());
        }
    }

    @Test void signatureNamesFromTheSidecar() throws IOException {
        Path dir = tmp.resolve("names");
        TinySavedModels.exportIdentitySigmoid(dir, Shape.of(-1, 64, 64, 1));
        TinySavedModels.writeSidecar(dir, 64, "50/130", 0.5, "signature.key=predict");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SavedModelSegmenter.load(dir));
        assertTrue(e.getMessage().contains("no signature 'predict'; the model has [serving_default]"), e.getMessage());
        TinySavedModels.writeSidecar(dir, 64, "50/130", 0.5, "signature.input=image");
        e = assertThrows(IllegalArgumentException.class, () -> SavedModelSegmenter.load(dir));
        assertTrue(e.getMessage().contains("no input 'image'; its inputs: [slices DT_FLOAT [-1, 64, 64, 1]]"), e.getMessage());
        TinySavedModels.writeSidecar(dir, 64, "50/130", 0.5, "signature.output=logits");
        e = assertThrows(IllegalArgumentException.class, () -> SavedModelSegmenter.load(dir));
        assertTrue(e.getMessage().contains("no output 'logits'"), e.getMessage());
        TinySavedModels.writeSidecar(dir, 64, "50/130", 0.5);
        try (SavedModelSegmenter s = SavedModelSegmenter.load(dir, options(4))) {
            assertNotNull(s.segment(study.volume()));
        }
    }

    static double dice(byte[] a, byte[] b) {
        long both = 0, sa = 0, sb = 0;
        for (int i = 0; i < a.length; i++) {
            if (a[i] != 0) sa++;
            if (b[i] != 0) sb++;
            if (a[i] != 0 && b[i] != 0) both++;
        }
        return sa + sb == 0 ? 1 : 2.0 * both / (sa + sb);
    }
}
