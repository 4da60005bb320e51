package org.ichnode.training;

import org.ichnode.model.FeatureTaps;
import org.ichnode.core.preprocess.PreparedSlice;
import org.ichnode.model.ResNetClassifier;
import org.ichnode.core.preprocess.Resample;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import java.util.ArrayList;
import java.util.List;

/**
 * Step 3: class activation maps from the shallow layers (layer1, layer2) of a trained {@link ResNetClassifier}.
 *
 * <ul>
 *   <li><b>LayerCAM</b> (Jiang et al. 2021): with A the layer's feature map and S the slice logit,
 *   {@code M = ReLU(sum_c ReLU(dS/dA_c) * A_c)}, normalised by its maximum. One backward pass gives both layers'
 *   gradients (see {@link ResNetClassifier#forwardWithTaps}); batch norm runs in inference mode, so the slices of a
 *   batch do not interact and the gradient of the summed logits is each slice's own.</li>
 *   <li><b>tanh amplification</b> of the layer1 map, as LayerCAM prescribes for shallow layers whose maps are weak
 *   and scattered: {@code M1 <- tanh(lambda * M1) / tanh(lambda)} with lambda = 2 (division keeps the maximum at 1).</li>
 *   <li><b>PC1 sharpening</b>: the first principal component over channels ({@link Pc1}, power iteration on the
 *   CxC covariance) of the class-weighted feature maps {@code ReLU(dS/dA_c) * A_c} (the per-channel terms whose sum
 *   is the CAM), oriented to correlate positively with the CAM, ReLU, normalised. Choices made here (documented in
 *   docs/model.md): PC1 of the weighted maps, not of the raw activations (on raw activations PC1 follows the skull
 *   and brain outline, and the product never peaked on the blob in BlobCamTest: 0 of 32); the sharpened map is the
 *   elementwise product {@code M * P}, renormalised to a maximum of 1, keeping class evidence where the dominant
 *   pattern of the channels agrees and suppressing the diffuse halo.</li>
 * </ul>
 * The deep Grad-CAM of the last stage is computed in the same pass, as the ablation's reference.
 * All maps are computed at feature resolution, then upsampled bilinearly to the input size. Gradients left on the
 * weights by the backward pass are cleared before returning.
 */
public final class ShallowFeatureCam {
    /** Default lambda of the tanh amplification of layer1. */
    public static final double DEFAULT_LAMBDA = 2.0;

    private final ResNetClassifier classifier;
    private final double lambda;

    public ShallowFeatureCam(ResNetClassifier classifier) { this(classifier, DEFAULT_LAMBDA); }

    public ShallowFeatureCam(ResNetClassifier classifier, double lambda) {
        if (!(lambda > 0)) throw new IllegalArgumentException("lambda must be positive");
        this.classifier = classifier;
        this.lambda = lambda;
    }

    public CamResult compute(PreparedSlice slice) { return compute(List.of(slice), 1).get(0); }

    /** CAMs of every slice, {@code chunk} slices per forward/backward pass (each chunk in its own NDManager). */
    public List<CamResult> compute(List<PreparedSlice> slices, int chunk) {
        List<CamResult> out = new ArrayList<>(slices.size());
        int size = classifier.config().inputSize();
        for (int from = 0; from < slices.size(); from += chunk) {
            List<PreparedSlice> part = slices.subList(from, Math.min(slices.size(), from + chunk));
            try (NDManager sub = classifier.manager().newSubManager()) {
                ParameterStore ps = new ParameterStore(sub, false);
                NDArray input = classifier.toBatch(sub, part);
                float[] logits, a1, g1, a2, g2, a3, g3;
                long[] s1, s2, s3;
                try (GradientCollector gc = sub.getEngine().newGradientCollector()) {
                    FeatureTaps taps = classifier.forwardWithTaps(ps, input);
                    gc.backward(taps.logits().sum());
                    logits = taps.logits().toFloatArray();
                    a1 = taps.layer1().toFloatArray();
                    g1 = taps.layer1Probe().getGradient().toFloatArray();
                    a2 = taps.layer2().toFloatArray();
                    g2 = taps.layer2Probe().getGradient().toFloatArray();
                    s1 = taps.layer1().getShape().getShape();
                    s2 = taps.layer2().getShape().getShape();
                    a3 = taps.deep().toFloatArray();
                    g3 = taps.deepProbe().getGradient().toFloatArray();
                    s3 = taps.deep().getShape().getShape();
                } finally {
                    classifier.zeroGradients();
                }
                for (int i = 0; i < part.size(); i++) {
                    out.add(new CamResult(logits[i],
                            layerCam(1, a1, g1, s1, i, size, true),
                            layerCam(2, a2, g2, s2, i, size, false),
                            gradCam(a3, g3, s3, i, size)));
                }
            }
        }
        return out;
    }

    private LayerCam layerCam(int layer, float[] act, float[] grad, long[] shape, int item, int size, boolean amplify) {
        int c = (int) shape[1], h = (int) shape[2], w = (int) shape[3];
        int hw = h * w;
        int off = item * c * hw;
        float[] a = new float[c * hw];
        System.arraycopy(act, off, a, 0, a.length);
        // per-channel LayerCAM contributions ReLU(g) * A; their sum over channels is the CAM
        float[] weighted = new float[c * hw];
        float[] cam = new float[hw];
        for (int ch = 0; ch < c; ch++) {
            for (int p = 0; p < hw; p++) {
                float g = grad[off + ch * hw + p];
                if (g > 0) {
                    float v = g * a[ch * hw + p];
                    weighted[ch * hw + p] = v;
                    cam[p] += v;
                }
            }
        }
        relu(cam);
        normalizeMax(cam);
        if (amplify) {
            double t = Math.tanh(lambda);
            for (int p = 0; p < hw; p++) cam[p] = (float) (Math.tanh(lambda * cam[p]) / t);
        }
        float[] pc = Pc1.compute(weighted, c, h, w, cam).projection();
        relu(pc);
        normalizeMax(pc);
        float[] sharp = new float[hw];
        for (int p = 0; p < hw; p++) sharp[p] = cam[p] * pc[p];
        normalizeMax(sharp);
        return new LayerCam(layer, size,
                Resample.resize(cam, w, h, size, size),
                Resample.resize(pc, w, h, size, size),
                Resample.resize(sharp, w, h, size, size), h);
    }

    /** Grad-CAM (Selvaraju et al.): channel weights = spatial mean of dS/dA_c; ReLU(sum_c w_c A_c), max-normalised. */
    private static float[] gradCam(float[] act, float[] grad, long[] shape, int item, int size) {
        int c = (int) shape[1], h = (int) shape[2], w = (int) shape[3];
        int hw = h * w, off = item * c * hw;
        float[] cam = new float[hw];
        for (int ch = 0; ch < c; ch++) {
            double wsum = 0;
            for (int p = 0; p < hw; p++) wsum += grad[off + ch * hw + p];
            float weight = (float) (wsum / hw);
            for (int p = 0; p < hw; p++) cam[p] += weight * act[off + ch * hw + p];
        }
        relu(cam);
        normalizeMax(cam);
        return Resample.resize(cam, w, h, size, size);
    }

    static void relu(float[] m) {
        for (int i = 0; i < m.length; i++) if (!(m[i] > 0)) m[i] = 0;
    }

    /** Divides by the maximum (maps are non-negative); leaves an all-zero map as it is. */
    static void normalizeMax(float[] m) {
        float max = 0;
        for (float v : m) if (v > max) max = v;
        if (max > 0) for (int i = 0; i < m.length; i++) m[i] /= max;
    }
}
