package org.ichnode.training.pseudomask;

import java.util.ArrayList;
import java.util.List;

/**
 * Chains the pseudo-mask steps for one volume: CAM source (deep Grad-CAM or shallow CAM) → {@link BiModelEnsemble}
 * → {@link SpatialContextFusion} → threshold / {@link BiLayerAggregation} → {@link DenseCrf}; each step can be
 * switched off for the ablation table ({@link Stage} gives the cumulative rows).
 *
 * <p>Data flow, per CAM source used (deep; or the single shallow layer; or layer1 and layer2):
 * <ol>
 *   <li>cams = ensemble ? mean(model A, model B) : model A</li>
 *   <li>cams = spatialFusion ? fuse(cams, positive) : cams</li>
 *   <li>cams = renormalize ? cams / max(cams) per slice : cams</li>
 *   <li>mask = two sources ? aggregate(L1, L2, TH, mode) : (cams >= TH)</li>
 *   <li>gateNegativeSlices: slices flagged negative get an empty mask (fusion already zeroes them)</li>
 *   <li>crf: every non-empty slice mask is refined with {@link DenseCrf#refineMask} (unary from the binary mask with
 *       {@code crfMaskConfidence}, guide = windowed CT); empty slices stay empty (the CRF cannot create foreground
 *       there, so skipping them changes nothing).</li>
 * </ol>
 * Output: {@code byte[slices * H * W]} in Volume voxel order, 1 = hemorrhage.
 */
public final class PseudoMaskPipeline {

    public enum Layer { LAYER1, LAYER2 }

    /** Cumulative ablation rows: each stage enables everything of the stages before it. */
    public enum Stage { DEEP_GRADCAM, SHALLOW_CAM, ENSEMBLE, SPATIAL_FUSION, BI_LAYER, CRF }

    /** One classifier's CAM stacks ({@code float[slices][H*W]}, values in [0, 1]); unused ones may be null. */
    public record ModelCams(float[][] layer1, float[][] layer2, float[][] deep) {
        float[][] get(Source s) {
            return switch (s) { case LAYER1 -> layer1; case LAYER2 -> layer2; case DEEP -> deep; };
        }
    }

    private enum Source { LAYER1, LAYER2, DEEP }

    /**
     * @param shallowCam         use shallow-layer CAMs (false: the deep Grad-CAM baseline)
     * @param singleLayer        the shallow layer used when {@code biLayer} is off
     * @param ensemble           average model A and model B
     * @param spatialFusion      fuse across neighbouring positive slices
     * @param biLayer            aggregate layer1 and layer2 (requires shallowCam)
     * @param crf                refine with the dense CRF
     * @param threshold          TH
     * @param mode               OR / AND for the bi-layer aggregation
     * @param fusion             fusion weights
     * @param crfParameters      CRF parameters; null: {@link DenseCrf.Parameters#defaults()} scaled to the slice width
     * @param crfMaskConfidence  unary confidence of the aggregated mask, in (0.5, 1)
     * @param gateNegativeSlices empty mask on slices flagged negative
     * @param renormalize        divide each slice's map by its maximum after ensemble and fusion, so TH stays relative
     *                           to the slice's peak (averaging two models or neighbouring slices lowers the peaks: without
     *                           it, TH 0.3 and above found nothing on the phantom ablation). Off by default: on the
     *                           phantom ablation it tripled the false-positive lesions and the U-Net trained on such
     *                           masks over-segmented
     */
    public record Config(boolean shallowCam, Layer singleLayer, boolean ensemble, boolean spatialFusion,
                         boolean biLayer, boolean crf, double threshold, BiLayerAggregation.Mode mode,
                         SpatialContextFusion fusion, DenseCrf.Parameters crfParameters, double crfMaskConfidence,
                         boolean gateNegativeSlices, boolean renormalize) {
        public Config {
            if (biLayer && !shallowCam) throw new IllegalArgumentException("bi-layer aggregation needs shallow CAMs");
            if (singleLayer == null || mode == null || fusion == null) throw new IllegalArgumentException("null setting");
            if (!Double.isFinite(threshold)) throw new IllegalArgumentException("threshold must be finite");
            if (crf && (!(crfMaskConfidence > 0.5) || !(crfMaskConfidence < 1))) {
                throw new IllegalArgumentException("crfMaskConfidence must be in (0.5, 1)");
            }
        }

        /** All steps: shallow CAMs, ensemble, fusion (c=2, w=0.5), bi-layer OR at TH 0.2, CRF (confidence 0.7). */
        public static Config full() { return forStage(Stage.CRF); }

        /** The configuration of one cumulative ablation row (single layer = layer2 before bi-layer is enabled). */
        public static Config forStage(Stage stage) {
            int k = stage.ordinal();
            return new Config(k >= Stage.SHALLOW_CAM.ordinal(), Layer.LAYER2, k >= Stage.ENSEMBLE.ordinal(),
                    k >= Stage.SPATIAL_FUSION.ordinal(), k >= Stage.BI_LAYER.ordinal(), k >= Stage.CRF.ordinal(),
                    BiLayerAggregation.DEFAULT_THRESHOLD, BiLayerAggregation.Mode.OR, SpatialContextFusion.defaults(),
                    null, 0.7, true, false);
        }

        public Config withThreshold(double th) {
            return new Config(shallowCam, singleLayer, ensemble, spatialFusion, biLayer, crf, th, mode, fusion,
                    crfParameters, crfMaskConfidence, gateNegativeSlices, renormalize);
        }

        public Config withMode(BiLayerAggregation.Mode m) {
            return new Config(shallowCam, singleLayer, ensemble, spatialFusion, biLayer, crf, threshold, m, fusion,
                    crfParameters, crfMaskConfidence, gateNegativeSlices, renormalize);
        }

        public Config withSingleLayer(Layer layer) {
            return new Config(shallowCam, layer, ensemble, spatialFusion, biLayer, crf, threshold, mode, fusion,
                    crfParameters, crfMaskConfidence, gateNegativeSlices, renormalize);
        }

        public Config withCrf(boolean on, DenseCrf.Parameters parameters, double confidence) {
            return new Config(shallowCam, singleLayer, ensemble, spatialFusion, biLayer, on, threshold, mode, fusion,
                    parameters, confidence, gateNegativeSlices, renormalize);
        }

        public Config withFusion(boolean on, SpatialContextFusion f) {
            return new Config(shallowCam, singleLayer, ensemble, on, biLayer, crf, threshold, mode, f,
                    crfParameters, crfMaskConfidence, gateNegativeSlices, renormalize);
        }

        public Config withRenormalize(boolean on) {
            return new Config(shallowCam, singleLayer, ensemble, spatialFusion, biLayer, crf, threshold, mode, fusion,
                    crfParameters, crfMaskConfidence, gateNegativeSlices, on);
        }

        public Config withGateNegativeSlices(boolean gate) {
            return new Config(shallowCam, singleLayer, ensemble, spatialFusion, biLayer, crf, threshold, mode, fusion,
                    crfParameters, crfMaskConfidence, gate, renormalize);
        }
    }

    private final Config config;

    public PseudoMaskPipeline(Config config) {
        if (config == null) throw new IllegalArgumentException("config is null");
        this.config = config;
    }

    public Config config() { return config; }

    /**
     * @param width     slice columns
     * @param height    slice rows
     * @param modelA    first classifier's CAMs
     * @param modelB    second classifier's CAMs (only read when ensembling; may be null otherwise)
     * @param positive  per-slice positive flags (labels or classifier predictions)
     * @param intensity windowed CT per slice ({@link org.ichnode.core.volume.HuWindow#grey255}); only read when the CRF is on (may be null otherwise)
     * @return mask, {@code byte[slices * H * W]} in Volume voxel order
     */
    public byte[] run(int width, int height, ModelCams modelA, ModelCams modelB, boolean[] positive, float[][] intensity) {
        if (width <= 0 || height <= 0) throw new IllegalArgumentException("bad slice size " + width + "x" + height);
        if (modelA == null) throw new IllegalArgumentException("model A CAMs are null");
        if (config.ensemble() && modelB == null) throw new IllegalArgumentException("ensemble needs model B CAMs");
        if (positive == null) throw new IllegalArgumentException("positive flags are null");
        int slices = positive.length, per = width * height;

        List<Source> sources = new ArrayList<>();
        if (!config.shallowCam()) sources.add(Source.DEEP);
        else if (config.biLayer()) { sources.add(Source.LAYER1); sources.add(Source.LAYER2); }
        else sources.add(config.singleLayer() == Layer.LAYER1 ? Source.LAYER1 : Source.LAYER2);

        List<float[][]> maps = new ArrayList<>();
        for (Source s : sources) {
            float[][] a = modelA.get(s);
            CamStacks.checkShape("model A " + s, a, slices, per);
            float[][] cams = a;
            if (config.ensemble()) {
                float[][] b = modelB.get(s);
                CamStacks.checkShape("model B " + s, b, slices, per);
                cams = BiModelEnsemble.mean(a, b);
            }
            if (config.spatialFusion()) cams = config.fusion().fuse(cams, positive);
            if (config.renormalize()) cams = maxNormalized(cams);
            maps.add(cams);
        }
        byte[][] masks = maps.size() == 2
                ? new BiLayerAggregation(config.threshold(), config.mode()).aggregate(maps.get(0), maps.get(1))
                : BiLayerAggregation.threshold(maps.get(0), config.threshold());
        if (config.gateNegativeSlices()) {
            for (int s = 0; s < slices; s++) if (!positive[s]) masks[s] = new byte[per];
        }
        if (config.crf()) {
            CamStacks.checkShape("intensity", intensity, slices, per);
            DenseCrf.Parameters p = config.crfParameters() != null
                    ? config.crfParameters() : DenseCrf.Parameters.defaults().scaledToWidth(width);
            DenseCrf crf = new DenseCrf(p);
            for (int s = 0; s < slices; s++) {
                if (isEmpty(masks[s])) continue;
                masks[s] = crf.refineMask(width, height, intensity[s], masks[s], config.crfMaskConfidence());
            }
        }
        return CamStacks.flatten(masks);
    }

    /** Each slice divided by its maximum (an all-zero slice stays zero). */
    static float[][] maxNormalized(float[][] stack) {
        float[][] out = new float[stack.length][];
        for (int s = 0; s < stack.length; s++) {
            float max = 0;
            for (float v : stack[s]) if (v > max) max = v;
            float[] o = stack[s].clone();
            if (max > 0) for (int i = 0; i < o.length; i++) o[i] /= max;
            out[s] = o;
        }
        return out;
    }

    private static boolean isEmpty(byte[] m) {
        for (byte b : m) if (b != 0) return false;
        return true;
    }
}
