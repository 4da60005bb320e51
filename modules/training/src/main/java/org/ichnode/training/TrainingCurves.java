package org.ichnode.training;

import org.ichnode.model.IchModel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;

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
        StringJoiner j = new StringJoiner(",", "{", "}");
        for (var e : curves.entrySet()) {
            j.add("\"" + e.getKey() + "\":{\"steps\":" + e.getValue().length + ",\"loss\":" + windows(e.getValue()) + "}");
        }
        j.add(String.format(Locale.ROOT, "\"unetBestValidationDice\":%s,\"unetBestStep\":%d",
                finite(r.unet().bestValidationDice()), r.unet().bestStep()));
        Files.writeString(artifactDir.resolve(FILE), j + "\n");
    }

    /** Means over at most POINTS equal windows; non-finite losses (skipped steps) are left out of their window. */
    static String windows(float[] losses) {
        int n = Math.min(POINTS, losses.length);
        StringJoiner out = new StringJoiner(",", "[", "]");
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
            out.add(k == 0 ? "null" : finite(s / k));
        }
        return out.toString();
    }

    private static String finite(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.5f", v) : "null";
    }
}
