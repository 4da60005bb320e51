package org.ichnode.training.pseudomask;

/**
 * Bi-model ensemble: the voxel-wise mean of the CAM stacks of two classifiers for the same layer,
 * {@code E[s][i] = (A[s][i] + B[s][i]) / 2}. Applied once per layer (layer1, layer2).
 *
 * <p>Input: two CAM stacks of identical shape ({@code float[slices][H*W]}). Output: a new stack of that shape.
 */
public final class BiModelEnsemble {
    private BiModelEnsemble() {}

    public static float[][] mean(float[][] modelA, float[][] modelB) {
        int per = CamStacks.voxelsPerSlice("model A CAMs", modelA);
        CamStacks.checkShape("model B CAMs", modelB, modelA.length, per);
        float[][] out = new float[modelA.length][per];
        for (int s = 0; s < modelA.length; s++) {
            float[] a = modelA[s], b = modelB[s], o = out[s];
            for (int i = 0; i < per; i++) o[i] = 0.5f * (a[i] + b[i]);
        }
        return out;
    }
}
