package org.ichnode.training;

/**
 * Shallow-feature CAMs of one slice.
 *
 * @param logit   the classifier's score for the slice (before the sigmoid)
 * @param layer1  CAMs from layer1 (1/4 resolution, tanh-amplified)
 * @param layer2  CAMs from layer2 (1/8 resolution)
 * @param deepGradCam Grad-CAM of the last stage (the deep reference of the ablation), upsampled to the input grid,
 *                    normalised to 0..1
 */
public record CamResult(float logit, LayerCam layer1, LayerCam layer2, float[] deepGradCam) {

    public double probability() { return 1 / (1 + Math.exp(-logit)); }
}
