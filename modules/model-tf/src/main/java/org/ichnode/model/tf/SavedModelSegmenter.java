package org.ichnode.model.tf;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.ichnode.core.segmentation.BrainMask;
import org.ichnode.core.segmentation.LesionMeasurer;
import org.ichnode.core.segmentation.Segmentation;
import org.ichnode.core.segmentation.Segmenter;
import org.ichnode.core.volume.Volume;
import org.ichnode.core.preprocess.PreparedSlice;
import org.ichnode.core.preprocess.SlicePreprocessor;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.SessionFunction;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorInfo;
import org.tensorflow.proto.TensorShapeProto;
import org.tensorflow.types.TFloat32;

/**
 * Runs an imported TensorFlow SavedModel (tag {@code serve}) as a {@link Segmenter}.
 *
 * <p><b>Model contract</b> (docs/model-tensorflow.md): the signature {@link SavedModelSidecar#signatureKey()} takes
 * one float32 input, NHWC {@code (N, S, S, C)}: N slices, row-major S x S, C = one channel per HU window of the
 * sidecar in its order, values in 0..1 exactly as {@link SlicePreprocessor} makes them (window on the source grid,
 * clipped, aspect-preserving bilinear resize, centred, padded with 0). It returns float32 per-pixel hemorrhage
 * probabilities in 0..1, {@code (N, S, S, 1)} or {@code (N, S, S)}, slice n of the output belonging to slice n of
 * the input.
 *
 * <p><b>Per volume</b>: brain mask ({@link BrainMask}, defaults) over the whole volume; slices go through the model
 * in chunks of {@link Options#chunkSlices()} (one input and one output tensor alive at a time, both closed after
 * the chunk); each output map is resampled onto the slice grid with {@code SliceMapping.toSource}. Probability map
 * = that map inside the brain, 0 outside. Mask = brain voxels with probability &ge; the sidecar threshold; its
 * 26-connected components under {@link Options#minLesionVolumeMl()} are dropped and the rest measured by
 * {@link LesionMeasurer}. Study probability = the largest voxel probability inside the brain (0 when the brain mask
 * is empty): not calibrated, and a single confident voxel is enough to raise it, even when its component is
 * dropped as too small.
 *
 * <p>Holds native TensorFlow resources: {@link #close()} when done. One {@link #segment} at a time per instance.
 */
public final class SavedModelSegmenter implements Segmenter, AutoCloseable {

    /**
     * @param chunkSlices       slices per model call (bounds memory: about chunk x S x S x (C + 1) floats)
     * @param minLesionVolumeMl smallest reported lesion (mL)
     * @param threads           TensorFlow intra-op and inter-op threads; 0 lets TensorFlow choose (all cores)
     */
    public record Options(int chunkSlices, double minLesionVolumeMl, int threads) {
        public Options {
            if (chunkSlices < 1) throw new IllegalArgumentException("chunkSlices must be at least 1: " + chunkSlices);
            if (!(minLesionVolumeMl >= 0)) throw new IllegalArgumentException("minLesionVolumeMl must be >= 0: " + minLesionVolumeMl);
            if (threads < 0) throw new IllegalArgumentException("threads must be >= 0: " + threads);
        }

        /** 8 slices per call, lesions from 0.1 mL (as the HU baseline), TensorFlow's own thread count. */
        public static Options defaults() { return new Options(8, 0.1, 0); }

        public Options withChunkSlices(int n) { return new Options(n, minLesionVolumeMl, threads); }

        public Options withMinLesionVolumeMl(double ml) { return new Options(chunkSlices, ml, threads); }

        public Options withThreads(int n) { return new Options(chunkSlices, minLesionVolumeMl, n); }
    }

    private final Path modelDir;
    private final SavedModelSidecar sidecar;
    private final Options options;
    private final SavedModelBundle bundle;
    private final SessionFunction function;
    private final SlicePreprocessor preprocessor;
    private final BrainMask brainMask = new BrainMask();
    private final LesionMeasurer measurer;

    /** Loads {@code modelDir} (SavedModel + {@value SavedModelSidecar#FILE_NAME}) with {@link Options#defaults()}. */
    public static SavedModelSegmenter load(Path modelDir) { return load(modelDir, Options.defaults()); }

    /** Loads and checks the model; every mismatch with the sidecar is an IllegalArgumentException saying which. */
    public static SavedModelSegmenter load(Path modelDir, Options options) {
        if (!Files.isRegularFile(modelDir.resolve("saved_model.pb"))) {
            throw new IllegalArgumentException("no saved_model.pb in " + modelDir + ": not a TensorFlow SavedModel folder");
        }
        SavedModelSidecar sidecar = SavedModelSidecar.read(modelDir);
        SavedModelBundle.Loader loader = SavedModelBundle.loader(modelDir.toString()).withTags(SavedModelBundle.DEFAULT_TAG);
        if (options.threads() > 0) {
            loader = loader.withConfigProto(ConfigProto.newBuilder()
                    .setIntraOpParallelismThreads(options.threads())
                    .setInterOpParallelismThreads(options.threads())
                    .build());
        }
        SavedModelBundle bundle = loader.load();
        try {
            return new SavedModelSegmenter(modelDir, sidecar, options, bundle);
        } catch (RuntimeException e) {
            bundle.close();
            throw e;
        }
    }

    private SavedModelSegmenter(Path modelDir, SavedModelSidecar sidecar, Options options, SavedModelBundle bundle) {
        this.modelDir = modelDir;
        this.sidecar = sidecar;
        this.options = options;
        this.bundle = bundle;
        SignatureDef signature = bundle.metaGraphDef().getSignatureDefMap().get(sidecar.signatureKey());
        if (signature == null) {
            throw new IllegalArgumentException(modelDir + ": no signature '" + sidecar.signatureKey() + "'; the model has "
                    + new TreeSet<>(bundle.metaGraphDef().getSignatureDefMap().keySet()));
        }
        checkInput(signature);
        checkOutput(signature);
        this.function = bundle.function(sidecar.signatureKey());
        this.preprocessor = new SlicePreprocessor(sidecar.preprocess());
        this.measurer = new LesionMeasurer(org.ichnode.core.volume.ConnectedComponents.Connectivity.VOLUME_26, options.minLesionVolumeMl(), 3.0);
    }

    public SavedModelSidecar sidecar() { return sidecar; }

    public Options options() { return options; }

    @Override public String algorithmName() { return sidecar.modelName(); }

    @Override public String algorithmVersion() { return sidecar.modelVersion(); }

    @Override
    public Segmentation segment(Volume volume) {
        int per = volume.voxelsPerSlice(), n = volume.slices();
        byte[] brain = brainMask.compute(volume).brain();
        float[] probability = new float[per * n];
        for (int k0 = 0; k0 < n; k0 += options.chunkSlices()) {
            int k1 = Math.min(n, k0 + options.chunkSlices());
            runChunk(volume, k0, k1, probability);
        }
        byte[] mask = new byte[per * n];
        double studyProbability = 0;
        for (int i = 0; i < mask.length; i++) {
            if (brain[i] == 0) {
                probability[i] = 0;
                continue;
            }
            float p = probability[i];
            if (p >= sidecar.threshold()) mask[i] = 1;
            studyProbability = Math.max(studyProbability, p);
        }
        LesionMeasurer.Result lesions = measurer.measure(volume, mask, brain);
        return new Segmentation(lesions.mask(), probability, studyProbability, lesions.findings(),
                algorithmName(), algorithmVersion());
    }

    /** Slices k0 .. k1-1 through the model; their probabilities, on the slice grid, into {@code out}. */
    private void runChunk(Volume volume, int k0, int k1, float[] out) {
        int s = sidecar.size(), c = sidecar.channels(), plane = s * s, count = k1 - k0;
        PreparedSlice[] prepared = new PreparedSlice[count];
        float[] nhwc = new float[count * plane * c];
        for (int j = 0; j < count; j++) {
            prepared[j] = preprocessor.prepare(volume, k0 + j);
            float[] chw = prepared[j].pixels();
            int base = j * plane * c;
            // PreparedSlice is channel-major (C, S, S); the model takes channels last
            for (int ch = 0; ch < c; ch++) {
                for (int i = 0; i < plane; i++) nhwc[base + i * c + ch] = chw[ch * plane + i];
            }
        }
        float[] maps = new float[count * plane];
        try (TFloat32 input = TFloat32.tensorOf(Shape.of(count, s, s, c), DataBuffers.of(nhwc, true, false));
             Result result = function.call(Map.of(sidecar.inputName(), input))) {
            Tensor t = result.get(sidecar.outputName()).orElseThrow(() -> new IllegalStateException(
                    modelDir + ": the model returned no output '" + sidecar.outputName() + "', only " + result.keySet()));
            if (!(t instanceof TFloat32 probs)) {
                throw new IllegalStateException(modelDir + ": output '" + sidecar.outputName() + "' is " + t.dataType() + ", expected DT_FLOAT");
            }
            Shape shape = probs.shape();
            boolean ok = (shape.numDimensions() == 4 && shape.get(3) == 1 || shape.numDimensions() == 3)
                    && shape.get(0) == count && shape.get(1) == s && shape.get(2) == s;
            if (!ok) {
                throw new IllegalStateException(modelDir + ": output '" + sidecar.outputName() + "' has shape " + shape
                        + " for an input of " + input.shape() + "; expected [" + count + ", " + s + ", " + s + ", 1] or ["
                        + count + ", " + s + ", " + s + "]");
            }
            probs.copyTo(DataBuffers.of(maps, false, false));
        }
        int per = volume.voxelsPerSlice();
        for (int j = 0; j < count; j++) {
            float[] map = Arrays.copyOfRange(maps, j * plane, (j + 1) * plane);
            for (int i = 0; i < plane; i++) {
                float v = map[i];
                // a logit or an unbounded score would be thresholded meaninglessly: refuse it
                if (!(v >= -1e-6f && v <= 1 + 1e-6f)) {
                    throw new IllegalStateException(modelDir + ": output value " + v + " outside 0..1 on slice " + (k0 + j)
                            + "; the model must return probabilities (end with a sigmoid)");
                }
                map[i] = Math.max(0f, Math.min(1f, v)); // float rounding of a sigmoid may overshoot by an ulp
            }
            float[] back = prepared[j].mapping().toSource(map);
            System.arraycopy(back, 0, out, (k0 + j) * per, per);
        }
    }

    private void checkInput(SignatureDef signature) {
        TensorInfo in = signature.getInputsMap().get(sidecar.inputName());
        if (in == null) {
            throw new IllegalArgumentException(modelDir + ": signature '" + sidecar.signatureKey() + "' has no input '"
                    + sidecar.inputName() + "'; its inputs: " + describe(signature.getInputsMap()));
        }
        if (signature.getInputsMap().size() != 1) {
            throw new IllegalArgumentException(modelDir + ": signature '" + sidecar.signatureKey() + "' must take exactly one input, has "
                    + describe(signature.getInputsMap()));
        }
        if (in.getDtype() != DataType.DT_FLOAT) {
            throw new IllegalArgumentException(modelDir + ": input '" + sidecar.inputName() + "' is " + in.getDtype() + ", expected DT_FLOAT");
        }
        Shape shape = shapeOf(in);
        long s = sidecar.size();
        if (!shape.isUnknown() && (shape.numDimensions() != 4 || !shape.isCompatibleWith(Shape.of(-1, s, s, sidecar.channels())))) {
            throw new IllegalArgumentException(modelDir + ": input '" + sidecar.inputName() + "' has shape " + shape
                    + "; the sidecar (input.size=" + s + ", " + sidecar.channels() + " window(s)) needs NHWC [-1, "
                    + s + ", " + s + ", " + sidecar.channels() + "]");
        }
    }

    private void checkOutput(SignatureDef signature) {
        TensorInfo out = signature.getOutputsMap().get(sidecar.outputName());
        if (out == null) {
            throw new IllegalArgumentException(modelDir + ": signature '" + sidecar.signatureKey() + "' has no output '"
                    + sidecar.outputName() + "'; its outputs: " + describe(signature.getOutputsMap()));
        }
        if (out.getDtype() != DataType.DT_FLOAT) {
            throw new IllegalArgumentException(modelDir + ": output '" + sidecar.outputName() + "' is " + out.getDtype() + ", expected DT_FLOAT");
        }
        Shape shape = shapeOf(out);
        long s = sidecar.size();
        boolean ok = shape.isUnknown()
                || shape.numDimensions() == 4 && shape.isCompatibleWith(Shape.of(-1, s, s, 1))
                || shape.numDimensions() == 3 && shape.isCompatibleWith(Shape.of(-1, s, s));
        if (!ok) {
            throw new IllegalArgumentException(modelDir + ": output '" + sidecar.outputName() + "' has shape " + shape
                    + "; expected [-1, " + s + ", " + s + ", 1] or [-1, " + s + ", " + s + "] (probabilities at the input size)");
        }
    }

    /** Declared shape; unknown when the rank is (TF Java's Signature.TensorDescription would report a scalar). */
    private static Shape shapeOf(TensorInfo info) {
        TensorShapeProto p = info.getTensorShape();
        if (!info.hasTensorShape() || p.getUnknownRank()) return Shape.unknown();
        return Shape.of(p.getDimList().stream().mapToLong(TensorShapeProto.Dim::getSize).toArray());
    }

    private static String describe(Map<String, TensorInfo> tensors) {
        return tensors.entrySet().stream().map(e -> e.getKey() + " " + e.getValue().getDtype() + " " + shapeOf(e.getValue()))
                .collect(Collectors.joining(", ", "[", "]"));
    }

    @Override
    public void close() { bundle.close(); }

    /** For log lines: model folder, name, version, input. */
    @Override
    public String toString() {
        return "SavedModelSegmenter[" + modelDir + ", " + sidecar.modelName() + " " + sidecar.modelVersion() + ", input "
                + sidecar.size() + "x" + sidecar.size() + "x" + sidecar.channels() + ", threshold " + sidecar.threshold() + "]";
    }
}
