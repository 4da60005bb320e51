package org.ichnode.model;

import org.ichnode.core.preprocess.PreparedSlice;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.ParallelBlock;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.ParameterStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Step 2: a small ResNet-style 2D slice classifier (one logit: hemorrhage on this slice) built from DJL blocks:
 * {@code stem -> layer1 -> layer2 -> layer3 (-> layer4) -> global average pool -> linear}. Two depths
 * ({@link ResNetConfig#resnet10}, {@link ResNetConfig#resnet18}) make the bi-model ensemble.
 *
 * <p>Owns a DJL {@link Model} (and its native memory): close it. Inputs are {@code (N, C, S, S)} float arrays in the
 * layout of {@link PreparedSlice}. {@link #forwardWithTaps} exposes the layer1, layer2 and last-stage feature maps with gradient
 * probes for CAMs.
 */
public final class ResNetClassifier extends Network<ResNetConfig> {
    private static final String CONFIG_FILE = "resnet-config.properties";

    private final SequentialBlock net;
    /** The top-level children of {@link #net}, in order: stem, layer1..layerN, head. */
    private final List<Block> parts;

    private ResNetClassifier(ResNetConfig config, Model model, SequentialBlock net, List<Block> parts) {
        super(config, model, net);
        this.net = net;
        this.parts = parts;
    }

    /** Builds a fresh network with initialised (random) weights. */
    public static ResNetClassifier create(ResNetConfig config) {
        ResNetClassifier c = build(config);
        c.net.initialize(c.model.getNDManager(), DataType.FLOAT32, c.inputShape(1));
        return c;
    }

    /** Loads weights written by {@link #save}: the block is rebuilt from the stored config, then the parameters read. */
    public static ResNetClassifier load(Path dir) throws IOException {
        ResNetConfig config = ResNetConfig.read(dir.resolve(CONFIG_FILE));
        return loadWeights(build(config), dir, config.name());
    }

    /** Writes the config and the parameters ({@code <name>-0000.params}) into {@code dir}. */
    public void save(Path dir) throws IOException {
        Files.createDirectories(dir);
        config.write(dir.resolve(CONFIG_FILE));
        model.save(dir, config.name());
    }

    private static ResNetClassifier build(ResNetConfig config) {
        List<Block> parts = new ArrayList<>();
        SequentialBlock stem = new SequentialBlock()
                .add(conv(config.baseWidth(), 7, 2))
                .add(BatchNorm.builder().build())
                .add(Activation.reluBlock())
                .add(Pool.maxPool2dBlock(new Shape(3, 3), new Shape(2, 2), new Shape(1, 1)));
        parts.add(stem);
        int in = config.baseWidth();
        int[] blocks = config.blocksPerStage();
        for (int s = 0; s < blocks.length; s++) {
            int width = config.stageWidth(s);
            SequentialBlock layer = new SequentialBlock();
            for (int b = 0; b < blocks[s]; b++) {
                int stride = (b == 0 && s > 0) ? 2 : 1;
                layer.add(basicBlock(width, stride, in != width || stride != 1));
                in = width;
            }
            parts.add(layer);
        }
        SequentialBlock head = new SequentialBlock()
                .add(Pool.globalAvgPool2dBlock())
                .add(Blocks.batchFlattenBlock())
                .add(Linear.builder().setUnits(1).build());
        parts.add(head);
        SequentialBlock net = new SequentialBlock();
        net.addAll(parts);
        Model model = Model.newInstance(config.name());
        model.setBlock(net);
        return new ResNetClassifier(config, model, net, List.copyOf(parts));
    }

    private static Conv2d conv(int filters, int kernel, int stride) {
        return Conv2d.builder().setFilters(filters).setKernelShape(new Shape(kernel, kernel))
                .optStride(new Shape(stride, stride)).optPadding(new Shape(kernel / 2, kernel / 2)).optBias(false).build();
    }

    /** ResNet v1 basic block: relu(bn(conv3x3(relu(bn(conv3x3(x))))) + shortcut(x)). */
    private static Block basicBlock(int width, int stride, boolean projection) {
        SequentialBlock main = new SequentialBlock()
                .add(conv(width, 3, stride)).add(BatchNorm.builder().build()).add(Activation.reluBlock())
                .add(conv(width, 3, 1)).add(BatchNorm.builder().build());
        Block shortcut = projection
                ? new SequentialBlock().add(conv(width, 1, stride)).add(BatchNorm.builder().build())
                : Blocks.identityBlock();
        return new ParallelBlock(
                list -> new NDList(Activation.relu(list.get(0).singletonOrThrow().add(list.get(1).singletonOrThrow()))),
                Arrays.asList(main, shortcut));
    }

    /** Plain forward pass: {@code (N, C, S, S) -> (N, 1)} logits. */
    public NDArray forward(ParameterStore ps, NDArray input, boolean training) {
        return net.forward(ps, new NDList(input), training).singletonOrThrow();
    }

    /**
     * Inference forward pass (batch norm uses its running statistics) that exposes layer1 and layer2. A zero array
     * requiring gradient (a leaf) is added to each tapped feature map, so one backward pass from the logits yields
     * the gradients with respect to both maps (DJL/PyTorch gives none for a non-leaf array marked afterwards). Must
     * run inside an open GradientCollector for the graph to be recorded.
     */
    public FeatureTaps forwardWithTaps(ParameterStore ps, NDArray input) {
        NDManager m = input.getManager();
        NDList x = new NDList(input);
        int last = parts.size() - 2;   // the last stage, before the head
        NDArray[] maps = new NDArray[parts.size()], probes = new NDArray[parts.size()];
        for (int i = 0; i < parts.size(); i++) {
            x = parts.get(i).forward(ps, x, false);
            if (i == 1 || i == 2 || i == last) {
                NDArray a = x.singletonOrThrow();
                NDArray probe = m.zeros(a.getShape(), a.getDataType());
                probe.setRequiresGradient(true);
                maps[i] = a;
                probes[i] = probe;
                x = new NDList(a.add(probe));
            }
        }
        return new FeatureTaps(x.singletonOrThrow(), maps[1], probes[1], maps[2], probes[2], maps[last], probes[last]);
    }

    /** Inference forward pass with {@code offset} added to the layer1 output (finite-difference checks). */
    NDArray forwardWithOffset(ParameterStore ps, NDArray input, NDArray offset) {
        NDList x = new NDList(input);
        for (int i = 0; i < parts.size(); i++) {
            x = parts.get(i).forward(ps, x, false);
            if (i == 1) x = new NDList(x.singletonOrThrow().add(offset));
        }
        return x.singletonOrThrow();
    }

    /** Logits for prepared slices, in chunks of {@code chunk} (each chunk in its own sub-manager). */
    public float[] predictLogits(List<PreparedSlice> slices, int chunk) {
        float[] out = new float[slices.size()];
        for (int from = 0; from < slices.size(); from += chunk) {
            int to = Math.min(slices.size(), from + chunk);
            try (NDManager sub = manager().newSubManager()) {
                ParameterStore ps = new ParameterStore(sub, false);
                float[] l = forward(ps, toBatch(sub, slices.subList(from, to)), false).toFloatArray();
                System.arraycopy(l, 0, out, from, l.length);
            }
        }
        return out;
    }

    /** Sigmoid of {@link #predictLogits}. */
    public float[] predictProbabilities(List<PreparedSlice> slices, int chunk) {
        float[] l = predictLogits(slices, chunk);
        for (int i = 0; i < l.length; i++) l[i] = (float) (1 / (1 + Math.exp(-l[i])));
        return l;
    }

    /** Zeroes the gradients held by the weights (see {@link Gradients#zero}); before each training step and after CAMs. */
    public void zeroGradients() { Gradients.zero(net); }

}
