package org.ichnode.model;

import ai.djl.ndarray.NDArray;

/**
 * Result of {@link ResNetClassifier#forwardWithTaps}: the logits and the layer1 / layer2 / last-stage feature maps, each with the
 * zero-valued leaf array that was added to it on the way forward. After a backward pass from the logits,
 * {@code layerNProbe.getGradient()} is the gradient of the score with respect to the layer's feature map.
 *
 * @param logits       (N, 1)
 * @param layer1       (N, C1, H/4, W/4), after layer1 (post-ReLU)
 * @param layer1Probe  zeros of the same shape, requiring gradient
 * @param layer2       (N, C2, H/8, W/8)
 * @param layer2Probe  zeros of the same shape, requiring gradient
 * @param deep         the last stage's feature map (N, C, H/2^(stages+1), W/2^(stages+1)), for the deep Grad-CAM reference
 * @param deepProbe    zeros of the same shape, requiring gradient
 */
public record FeatureTaps(NDArray logits, NDArray layer1, NDArray layer1Probe, NDArray layer2, NDArray layer2Probe,
                          NDArray deep, NDArray deepProbe) {
}
