package org.ichnode.training;

import org.ichnode.model.IchModel;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The loss curves of a weak training run, kept beside the model as {@value #FILE} so people can see how it trained:
 * each network's loss averaged over at most {@value #POINTS} equal windows of steps, and the U-Net's best validation
 * Dice and the step it came at.
 */
public final class TrainingCurves {
    public static final String FILE = IchModel.TRAINING_CURVES;
    static final int POINTS = 100;

    private TrainingCurves() {}

    public static void write(Path artifactDir, WeakSupervision.Result r) throws IOException {
        Map<String, float[]> curves = new LinkedHashMap<>();
        curves.put("classifierA", r.classifierA().losses());
        curves.put("classifierB", r.classifierB().losses());
        curves.put("unet", r.unet().losses());
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        curves.forEach((name, losses) -> o.putObject(name).put("steps", losses.length).set("loss", windows(losses)));
        putFinite(o, "unetBestValidationDice", r.unet().bestValidationDice());
        o.put("unetBestStep", r.unet().bestStep());
        Files.writeString(artifactDir.resolve(FILE), o + "\n");
    }

    /** Means over at most POINTS equal windows; non-finite losses (skipped steps) are left out of their window. */
    static ArrayNode windows(float[] losses) {
        int n = Math.min(POINTS, losses.length);
        ArrayNode out = JsonNodeFactory.instance.arrayNode();
        for (int w = 0; w < n; w++) {
            int from = (int) ((long) w * losses.length / n), to = (int) ((long) (w + 1) * losses.length / n);
            double s = 0;
            int k = 0;
            for (int i = from; i < to; i++) {
                if (Float.isFinite(losses[i])) {
                    s += losses[i];
                    k++;
                }
            }
            if (k == 0) out.addNull();
            else out.add(rounded(s / k));
        }
        return out;
    }

    private static void putFinite(ObjectNode o, String key, double v) {
        if (Double.isFinite(v)) o.put(key, rounded(v));
        else o.putNull(key);
    }

    private static BigDecimal rounded(double v) {
        return BigDecimal.valueOf(v).setScale(5, RoundingMode.HALF_UP);
    }
}
