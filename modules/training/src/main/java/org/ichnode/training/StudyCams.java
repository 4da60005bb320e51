package org.ichnode.training;

import org.ichnode.model.ResNetClassifier;

import java.util.List;
import org.ichnode.training.pseudomask.PseudoMaskPipeline;

/**
 * Step 3 output for one study: the CAMs of both ensemble members (layer1 and layer2 sharpened shallow-feature CAMs
 * and the deep Grad-CAM, model space) and each slice's ensemble probability.
 */
public record StudyCams(PseudoMaskPipeline.ModelCams modelA, PseudoMaskPipeline.ModelCams modelB, float[] sliceProbability) {

    public static StudyCams compute(ResNetClassifier a, ResNetClassifier b, PreparedStudy study, int chunk) {
        List<CamResult> ca = new ShallowFeatureCam(a).compute(study.slices(), chunk);
        List<CamResult> cb = new ShallowFeatureCam(b).compute(study.slices(), chunk);
        float[] p = new float[ca.size()];
        for (int i = 0; i < p.length; i++) p[i] = (float) (0.5 * (ca.get(i).probability() + cb.get(i).probability()));
        return new StudyCams(stacks(ca), stacks(cb), p);
    }

    private static PseudoMaskPipeline.ModelCams stacks(List<CamResult> r) {
        float[][] l1 = new float[r.size()][], l2 = new float[r.size()][], deep = new float[r.size()][];
        for (int i = 0; i < r.size(); i++) {
            l1[i] = r.get(i).layer1().sharpened();
            l2[i] = r.get(i).layer2().sharpened();
            deep[i] = r.get(i).deepGradCam();
        }
        return new PseudoMaskPipeline.ModelCams(l1, l2, deep);
    }
}
