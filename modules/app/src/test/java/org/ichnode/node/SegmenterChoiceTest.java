package org.ichnode.node;

import org.ichnode.node.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** A default node carries no TensorFlow: a SavedModel folder is refused with what to install, not a class loading error. */
class SegmenterChoiceTest {
    @TempDir Path tmp;

    @Test
    void aSavedModelWithoutTheTensorFlowModuleSaysWhatIsMissing() throws Exception {
        assertThrows(ClassNotFoundException.class, () -> Class.forName("org.ichnode.model.tf.SavedModelSegmenter"),
                "the default node's class path holds no TensorFlow runner");
        Files.writeString(tmp.resolve(SegmenterChoice.SAVED_MODEL_SIDECAR), "inputSize=128\\n");
        ConfigException e = assertThrows(ConfigException.class, () -> SegmenterChoice.loadAny(tmp, 1));
        assertTrue(e.getMessage().contains("-P tensorflow"), e.getMessage());
    }
}
