package org.ichnode.model;

import org.ichnode.core.preprocess.PreprocessOptions;
import org.ichnode.core.preprocess.SlicePreprocessor;
import org.ichnode.core.preprocess.PreparedSlice;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.ichnode.core.segmentation.BrainMask;
import org.ichnode.core.segmentation.LesionMeasurer;
import org.ichnode.core.segmentation.Segmentation;
import org.ichnode.core.segmentation.Segmenter;
import org.ichnode.core.volume.Volume;

/**
 * Inference with a trained {@link IchModel} through the node's {@link Segmenter} interface. Only the U-Net draws the
 * mask; the classifiers give the study probability. A model of several members ({@link IchModel#members()}) is
 * averaged: its U-Net probability is the members' mean, its slice logit the mean of all their classifiers.
 * <ol>
 *   <li>every slice preprocessed to the model grid (in parallel), a second time blanked outside the brain for the
 *       U-Net where the artifact says so ({@link PreprocessOptions#unetBrainOnly()});</li>
 *   <li>U-Net probabilities, {@code chunk} slices per forward pass, each chunk in its own NDManager (bounded memory);</li>
 *   <li>each probability map resampled back onto its source slice ({@link SliceMapping#toSource}), thresholded, and
 *       kept only inside the intracranial mask ({@link BrainMask}, not eroded: subdural and epidural blood lie
 *       against the inner table);</li>
 *   <li>3-D connected components below the minimum lesion volume dropped, lesions measured
 *       ({@link LesionMeasurer});</li>
 *   <li>study probability: the raw study score ({@link IchModel.StudyScore}: the highest slice logit of the two
 *       classifiers' mean, with the logit of the U-Net's peak for new models), calibrated ({@link StudyCalibration},
 *       fitted on validation studies); below the model's operating point ({@code call.threshold}) the call is "no
 *       hemorrhage" and the mask is emptied;</li>
 *   <li>each lesion's own probability: the mean U-Net probability over its voxels.</li>
 * </ol>
 * One segmentation at a time per instance (calls are serialised); close it to free native memory.
 */
public final class ModelSegmenter implements Segmenter, AutoCloseable {
    public static final int DEFAULT_CHUNK = 8;

    private final IchModel model;
    private final int chunk;

    public ModelSegmenter(IchModel model, int chunk) {
        if (chunk < 1) throw new IllegalArgumentException("chunk must be >= 1");
        this.model = model;
        this.chunk = chunk;
    }

    public static ModelSegmenter load(Path artifactDir) throws IOException {
        return new ModelSegmenter(IchModel.load(artifactDir), DEFAULT_CHUNK);
    }

    public IchModel model() { return model; }

    @Override
    public synchronized Segmentation segment(Volume volume) {
        PreprocessOptions options = model.settings().preprocess();
        // the brain mask before the networks only where an input needs it: computed after them its temporaries do not
        // add to the networks' peak memory
        BrainMask.Result masks = options.brainOnly() || options.unetBrainOnly() ? new BrainMask().compute(volume) : null;
        byte[] brain = masks == null ? null : masks.brain();
        PreparedSlice[] prepared = prepare(volume, options, brain);
        PreparedSlice[] unetInput = options.separateUnetInput() ? prepare(volume, options.forUnet(), brain) : prepared;
        List<float[]> p = unetProbabilities(List.of(unetInput));
        byte[] intracranial = (masks != null ? masks : new BrainMask().compute(volume)).intracranial();
        int per = volume.voxelsPerSlice();
        float[] probability = new float[per * volume.slices()];
        byte[] mask = new byte[probability.length];
        float th = (float) model.settings().maskThreshold();
        IntStream.range(0, prepared.length).parallel().forEach(k -> {
            float[] src = prepared[k].mapping().toSource(p.get(k));
            int off = k * per;
            for (int i = 0; i < per; i++) {
                probability[off + i] = src[i];
                if (src[i] >= th && intracranial[off + i] != 0) mask[off + i] = 1;
            }
        });
        double study = model.settings().calibration().probability(scoreOf(List.of(prepared), p));
        // below the operating point the call is "no hemorrhage": nothing is drawn, the probabilities stay for review
        if (study < model.settings().callThreshold()) Arrays.fill(mask, (byte) 0);
        LesionMeasurer.Result lesions = new LesionMeasurer(org.ichnode.core.volume.ConnectedComponents.Connectivity.VOLUME_26,
                model.settings().minLesionVolumeMl(), 3.0).measure(volume, mask, intracranial);
        return new Segmentation(lesions.mask(), probability, study, lesions.findingsWithProbability(probability), algorithmName(),
                algorithmVersion(), model.settings().callThreshold());
    }

    /**
     * The raw study score (before calibration) as the artifact's {@link IchModel.StudyScore} says, in double precision
     * (probabilities in float saturate to exactly 1 for confident slices, which ties studies and blunts the AUC), from
     * the study's slices as the classifiers see them and as the U-Net does (the same list unless
     * {@link PreprocessOptions#separateUnetInput()}).
     */
    public double studyLogit(List<PreparedSlice> classifierInput, List<PreparedSlice> unetInput) {
        return scoreOf(classifierInput, model.settings().studyScore() == IchModel.StudyScore.CLASSIFIERS ? null
                : unetProbabilities(unetInput));
    }

    /** As {@link #studyLogit(List, List)} with the U-Net's probabilities of the same slices already at hand. */
    private double scoreOf(List<PreparedSlice> slices, List<float[]> unetProbabilities) {
        double[] z = sliceLogits(slices);
        double best = Double.NEGATIVE_INFINITY, peak = 0, bestOfSums = Double.NEGATIVE_INFINITY;
        for (int k = 0; k < z.length; k++) {
            best = Math.max(best, z[k]);
            if (unetProbabilities == null) continue;
            double slicePeak = 0;
            for (float q : unetProbabilities.get(k)) slicePeak = Math.max(slicePeak, q);
            peak = Math.max(peak, slicePeak);
            bestOfSums = Math.max(bestOfSums, z[k] + logit(slicePeak));
        }
        return switch (model.settings().studyScore()) {
            case CLASSIFIERS -> best;
            case CLASSIFIERS_AND_UNET -> best + logit(peak);
            case CLASSIFIERS_AND_UNET_PER_SLICE -> bestOfSums;
        };
    }

    /** The logit of a probability clipped to [1e-6, 1 - 1e-6], so a saturated U-Net peak stays finite. */
    public static double logit(double p) {
        double clipped = Math.min(1 - 1e-6, Math.max(1e-6, p));
        return Math.log(clipped / (1 - clipped));
    }

    /** Per slice of {@code volume} the mean logit of the two classifiers (what the study probability is made of). */
    public synchronized double[] sliceLogits(Volume volume) {
        return sliceLogits(List.of(prepare(volume)));
    }

    /**
     * Per slice the mean logit of the two classifiers over the slice and its left-right mirror image (test-time
     * augmentation: the classifiers were trained with left-right flips, so both are equally valid views). Measured
     * against {@link #sliceLogits(Volume)} by {@code experiment real}; the call does not use it.
     */
    public synchronized double[] mirrorAveragedSliceLogits(Volume volume) {
        PreparedSlice[] prepared = prepare(volume), mirrored = new PreparedSlice[prepared.length];
        IntStream.range(0, prepared.length).parallel().forEach(k -> mirrored[k] = mirrored(prepared[k]));
        double[] a = sliceLogits(List.of(prepared)), b = sliceLogits(List.of(mirrored));
        for (int k = 0; k < a.length; k++) a[k] = 0.5 * (a[k] + b[k]);
        return a;
    }

    /** Every slice of the volume as the classifiers see it, in parallel. */
    private PreparedSlice[] prepare(Volume volume) {
        PreprocessOptions options = model.settings().preprocess();
        return prepare(volume, options, options.brainOnly() ? new BrainMask().compute(volume).brain() : null);
    }

    /** Every slice of the volume as {@code options} make it, in parallel ({@code brain}: the volume's brain mask, or null without brainOnly). */
    private static PreparedSlice[] prepare(Volume volume, PreprocessOptions options, byte[] brain) {
        SlicePreprocessor pre = new SlicePreprocessor(options);
        PreparedSlice[] prepared = new PreparedSlice[volume.slices()];
        IntStream.range(0, prepared.length).parallel().forEach(k -> prepared[k] = pre.prepare(volume, k, brain));
        return prepared;
    }

    /** The slice flipped left-right in every channel; only for the classifiers (its mapping is the unflipped one's). */
    private static PreparedSlice mirrored(PreparedSlice s) {
        int n = s.size();
        float[] src = s.pixels(), out = new float[src.length];
        for (int c = 0; c < s.channels(); c++) {
            for (int y = 0; y < n; y++) {
                int row = c * n * n + y * n;
                for (int x = 0; x < n; x++) out[row + x] = src[row + n - 1 - x];
            }
        }
        return new PreparedSlice(out, s.channels(), s.mapping(), s.slice());
    }

    /** Per slice the mean logit of every classifier of every member. */
    double[] sliceLogits(List<PreparedSlice> slices) {
        double[] z = new double[slices.size()];
        double weight = 0.5 / model.members().size();
        for (IchModel.Member m : model.members()) {
            float[] a = m.classifierA().predictLogits(slices, chunk);
            float[] b = m.classifierB().predictLogits(slices, chunk);
            for (int i = 0; i < z.length; i++) z[i] += weight * ((double) a[i] + b[i]);
        }
        return z;
    }

    /** Per slice the members' mean U-Net probability (the one member's own for most models). */
    private List<float[]> unetProbabilities(List<PreparedSlice> slices) {
        List<IchModel.Member> members = model.members();
        List<float[]> mean = members.get(0).unet().predictProbabilities(slices, chunk);
        if (members.size() == 1) return mean;
        for (IchModel.Member m : members.subList(1, members.size())) {
            List<float[]> p = m.unet().predictProbabilities(slices, chunk);
            for (int k = 0; k < mean.size(); k++) {
                float[] sum = mean.get(k), add = p.get(k);
                for (int i = 0; i < sum.length; i++) sum[i] += add[i];
            }
        }
        float scale = 1f / members.size();
        for (float[] sum : mean) for (int i = 0; i < sum.length; i++) sum[i] *= scale;
        return mean;
    }

    @Override public String algorithmName() { return model.settings().name(); }

    @Override public String algorithmVersion() { return model.settings().version(); }

    @Override public void close() { model.close(); }
}
