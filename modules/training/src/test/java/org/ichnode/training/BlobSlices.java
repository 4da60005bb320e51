package org.ichnode.training;

import org.ichnode.core.preprocess.PreparedSlice;
import org.ichnode.core.preprocess.SliceMapping;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A synthetic data set the classifier learns within a few dozen steps: a noisy grey disc ("brain") inside a bright
 * ring ("skull") on black, their brightness varying from image to image; positives carry one bright Gaussian blob ("hemorrhage", radius 3..6 px) at a random place in
 * the disc, negatives none. Used to test
 * that CAMs localise, independently of how hard the phantom is for a briefly trained network.
 */
final class BlobSlices {
    private BlobSlices() {}

    static SliceDataset generate(int count, int size, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        List<PreparedSlice> in = new ArrayList<>();
        List<float[]> masks = new ArrayList<>();
        boolean[] labels = new boolean[count];
        SliceMapping m = SliceMapping.fit(size, size, size);
        double c = (size - 1) / 2.0, rBrain = size * 0.36, rSkull = size * 0.42;
        for (int i = 0; i < count; i++) {
            boolean pos = i % 2 == 0;
            labels[i] = pos;
            double ang = rnd.nextDouble(2 * Math.PI), rad = Math.sqrt(rnd.nextDouble()) * (rBrain - 9);
            double bx = c + rad * Math.cos(ang), by = c + rad * Math.sin(ang);
            double br = 3 + rnd.nextDouble(3);
            // disc and ring brightness vary per image far more than a blob adds, so total brightness does not give the
            // class away and the network has to find the local bright spot
            double brain = 0.2 + 0.2 * rnd.nextDouble(), skull = 0.7 + 0.3 * rnd.nextDouble();
            float[] px = new float[size * size], mask = new float[size * size];
            for (int y = 0; y < size; y++) {
                for (int x = 0; x < size; x++) {
                    double d = Math.hypot(x - c, y - c);
                    double v;
                    if (d > rSkull) v = 0;
                    else if (d > rBrain) v = skull;
                    else {
                        v = brain + 0.04 * rnd.nextGaussian();
                        double g = Math.exp(-((x - bx) * (x - bx) + (y - by) * (y - by)) / (2 * br * br / 2.0));
                        if (pos) v += 0.35 * g;
                        if (pos && Math.hypot(x - bx, y - by) <= br) mask[y * size + x] = 1;
                    }
                    px[y * size + x] = (float) Math.max(0, Math.min(1, v));
                }
            }
            in.add(new PreparedSlice(px, 1, m, -1));
            masks.add(mask);
        }
        return new SliceDataset(in, labels, masks);
    }

    /** Distance in pixels from (x, y) to the nearest mask pixel (0 inside). */
    static double distanceToMask(float[] mask, int size, int[] xy) {
        double best = Double.POSITIVE_INFINITY;
        for (int i = 0; i < mask.length; i++) {
            if (mask[i] > 0) best = Math.min(best, Math.hypot(i % size - xy[0], i / size - xy[1]));
        }
        return best;
    }
}
