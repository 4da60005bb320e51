package org.ichnode.training;

/**
 * One layer's class activation maps for one slice, all upsampled to the model input grid ({@code size x size},
 * row-major) and normalised to 0..1 (a map that is zero everywhere stays zero).
 *
 * @param layer      1 or 2
 * @param size       side of the model input
 * @param cam        LayerCAM: ReLU(sum_c ReLU(dS/dA_c) * A_c), divided by its maximum; for layer1 then amplified
 *                   with {@code tanh(lambda * cam) / tanh(lambda)}
 * @param pc1        ReLU of the projection onto the first principal component of the class-weighted features
 *                   {@code ReLU(dS/dA_c) * A_c} (oriented to correlate positively with the CAM), divided by its maximum
 * @param sharpened  {@code cam * pc1}, divided by its maximum: the CAM kept where the dominant feature pattern agrees
 * @param featureSize side of the feature map before upsampling
 */
public record LayerCam(int layer, int size, float[] cam, float[] pc1, float[] sharpened, int featureSize) {

    /** (x, y) of the maximum of {@link #sharpened}; the first in raster order on ties. */
    public int[] peak() { return peak(sharpened, size); }

    public static int[] peak(float[] map, int size) {
        int best = 0;
        for (int i = 1; i < map.length; i++) if (map[i] > map[best]) best = i;
        return new int[] {best % size, best / size};
    }
}
