package org.ichnode.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The artifact descriptor: keys added later read as what artifacts made before them meant. */
class IchModelSettingsTest {
    private static final String BEFORE = "name=ich-node weak U-Net\nversion=2026.12.06-ct-ich-cal\ninput.size=128\ninput.windows=50/130\n"
            + "mask.threshold=0.5\nlesion.minVolumeMl=0.05\ncall.threshold=0.33\ncall.calibration.slope=0.2\ncall.calibration.intercept=-0.1\n";

    @Test void anArtifactWithoutTheNewKeysIsReadAsBefore(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve(IchModel.DESCRIPTOR), BEFORE);
        IchModel.Settings s = IchModel.readSettings(dir);
        assertEquals(IchModel.StudyScore.CLASSIFIERS, s.studyScore());
        assertEquals(0, s.preprocess().neighbours());
        assertEquals(1, s.preprocess().channels());
        assertEquals(false, s.preprocess().brainOnly());
        assertEquals(false, s.preprocess().unetBrainOnly());
    }

    @Test void theStudyScoreAndNeighboursAreRead(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve(IchModel.DESCRIPTOR), BEFORE + "call.studyScore=classifiers+unet\ninput.neighbours=1\ninput.brainOnly=true\n");
        IchModel.Settings s = IchModel.readSettings(dir);
        assertEquals(IchModel.StudyScore.CLASSIFIERS_AND_UNET, s.studyScore());
        assertEquals(3, s.preprocess().channels());
        assertEquals(true, s.preprocess().brainOnly());
    }

    @Test void theUnetsOwnBrainOnlyInputIsRead(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve(IchModel.DESCRIPTOR), BEFORE + "input.windows=50/130,80/200,600/2800\ninput.unet.brainOnly=true\n");
        IchModel.Settings s = IchModel.readSettings(dir);
        assertEquals(false, s.preprocess().brainOnly());
        assertEquals(true, s.preprocess().unetBrainOnly());
        assertEquals(true, s.preprocess().separateUnetInput());
    }

    @Test void anUnknownStudyScoreIsRefusedByName(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve(IchModel.DESCRIPTOR), BEFORE + "call.studyScore=unet\n");
        IOException e = assertThrows(IOException.class, () -> IchModel.readSettings(dir));
        assertTrue(e.getMessage().contains("call.studyScore: classifiers, classifiers+unet or classifiers+unet-per-slice, not unet"), e.getMessage());
    }
}
