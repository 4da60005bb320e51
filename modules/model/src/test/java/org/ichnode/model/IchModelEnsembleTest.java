package org.ichnode.model;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.ichnode.core.preprocess.PreprocessOptions;
import org.ichnode.core.segmentation.Segmentation;
import org.ichnode.core.volume.EllipseHead;
import org.ichnode.core.volume.Volume;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A model of several members averages them, and its artifact holds each member. */
class IchModelEnsembleTest {
    private static final PreprocessOptions INPUT = PreprocessOptions.single(32);
    private static final IchModel.Settings SETTINGS = new IchModel.Settings("ensemble (test)", "e-1", INPUT, 0.5, 0.0, 0);

    private static IchModel single(long seed) {
        ModelRuntime.seed(seed);
        return new IchModel(SETTINGS, ResNetClassifier.create(ResNetConfig.resnet10(4, 1, 32)),
                ResNetClassifier.create(ResNetConfig.resnet18(4, 1, 32)), UNet.create(new UNetConfig(4, 2, 1, 32), seed));
    }

    @Test void anEnsembleAveragesItsMembersAndRoundTripsThroughItsArtifact(@TempDir Path dir) throws IOException {
        Volume volume = EllipseHead.volume(64, 64, 4, 3.5, 5.0, 0, "1.2.826.0.1.3680043.9.4245.77");
        try (IchModel first = single(1); IchModel second = single(2)) {
            // shares the two models' networks: closed with them
            IchModel ensemble = new IchModel(SETTINGS, List.of(first.members().get(0), second.members().get(0)));
            double[] a = new ModelSegmenter(first, 8).sliceLogits(volume), b = new ModelSegmenter(second, 8).sliceLogits(volume);
            double[] both = new ModelSegmenter(ensemble, 8).sliceLogits(volume);
            double apart = 0;
            for (int k = 0; k < both.length; k++) {
                assertEquals(0.5 * (a[k] + b[k]), both[k], 1e-5, "slice " + k);
                apart = Math.max(apart, Math.abs(a[k] - b[k]));
            }
            assertTrue(apart > 1e-3, "the two members differ, else the mean proves nothing");
            Segmentation sa = new ModelSegmenter(first, 8).segment(volume), sb = new ModelSegmenter(second, 8).segment(volume);
            Segmentation se = new ModelSegmenter(ensemble, 8).segment(volume);
            for (int i = 0; i < se.probability().length; i += 7) {
                assertEquals(0.5 * (sa.probability()[i] + sb.probability()[i]), se.probability()[i], 1e-5, "voxel " + i);
            }

            ensemble.save(dir, null, null);
            // the first member where single models keep theirs, the second in a folder of its own
            assertTrue(Files.isRegularFile(dir.resolve("classifier-a/resnet-config.properties")));
            assertTrue(Files.isRegularFile(dir.resolve("member-2/classifier-b/resnet-config.properties")));
            assertTrue(Files.isDirectory(dir.resolve("member-2/unet")));
            assertTrue(Files.readString(dir.resolve(IchModel.DESCRIPTOR)).contains("members=2"));
            try (IchModel loaded = IchModel.load(dir)) {
                assertEquals(2, loaded.members().size());
                assertArrayEquals(both, new ModelSegmenter(loaded, 8).sliceLogits(volume), 1e-6);
            }
        }
    }

    @Test void aModelNeedsAMemberAndAnArtifactACount(@TempDir Path dir) throws IOException {
        assertThrows(IllegalArgumentException.class, () -> new IchModel(SETTINGS, List.of()));
        try (IchModel one = single(3)) {
            one.save(dir, null, null);
        }
        assertFalse(Files.readString(dir.resolve(IchModel.DESCRIPTOR)).contains("members="), "one member: the descriptor as before ensembles");
        Files.writeString(dir.resolve(IchModel.DESCRIPTOR), Files.readString(dir.resolve(IchModel.DESCRIPTOR)) + "members=0\n");
        IOException e = assertThrows(IOException.class, () -> IchModel.load(dir));
        assertTrue(e.getMessage().contains("members must be a count >= 1"), e.getMessage());
    }
}
