package org.ichnode.model;

import org.ichnode.core.preprocess.PreparedSlice;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.util.Pair;
import ai.djl.util.PairList;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The segmentation network (the only network that draws the mask; the classifiers give the study probability): a 2D U-Net over model-space slices,
 * {@code (N, C, S, S) -> (N, 1, S, S)} logits. Upsampling is nearest-neighbour repetition followed by a 1x1
 * convolution, because DJL's PyTorch engine has no transposed convolution (KNOWHOW).
 *
 * <p>Owns a DJL {@link Model} (native memory): close it.
 */
public final class UNet extends Network<UNetConfig> {
    private static final String CONFIG_FILE = "unet-config.properties";
    private static final String NAME = "unet";

    private final Net net;

    private UNet(UNetConfig config, Net net) {
        super(config, Model.newInstance(NAME), net);
        this.net = net;
        model.setBlock(net);
    }

    private UNet(UNetConfig config) {
        this(config, new Net(config));
    }

    /**
     * A fresh network whose random weights depend on {@code seed} alone, not on the engine's global random stream: in
     * an experiment every U-Net then starts the same whatever was trained before it (one more network trained earlier
     * once moved the fully supervised reference from 0.70 to 0.43 Dice).
     */
    public static UNet create(UNetConfig config, long seed) {
        UNet u = new UNet(config);
        u.net.setInitializer(new SeededHeNormal(seed), Parameter.Type.WEIGHT);
        u.net.initialize(u.model.getNDManager(), DataType.FLOAT32, u.inputShape(1));
        return u;
    }

    /** Loads what {@link #save} wrote. */
    public static UNet load(Path dir) throws IOException {
        return loadWeights(new UNet(UNetConfig.read(dir.resolve(CONFIG_FILE))), dir, NAME);
    }

    public void save(Path dir) throws IOException {
        Files.createDirectories(dir);
        config.write(dir.resolve(CONFIG_FILE));
        model.save(dir, NAME);
    }

    /**
     * Per-pixel hemorrhage probabilities ({@code S*S} row-major per slice), {@code chunk} slices per forward pass, each
     * chunk in its own sub-manager so native memory stays bounded by one chunk.
     */
    public List<float[]> predictProbabilities(List<PreparedSlice> slices, int chunk) {
        int per = config.inputSize() * config.inputSize();
        List<float[]> out = new ArrayList<>(slices.size());
        for (int from = 0; from < slices.size(); from += chunk) {
            int to = Math.min(slices.size(), from + chunk);
            try (NDManager sub = manager().newSubManager()) {
                ParameterStore ps = new ParameterStore(sub, false);
                NDArray logits = net.forward(ps, new NDList(toBatch(sub, slices.subList(from, to))), false).singletonOrThrow();
                float[] p = Activation.sigmoid(logits).toFloatArray();
                for (int i = 0; i < to - from; i++) {
                    float[] one = new float[per];
                    System.arraycopy(p, i * per, one, 0, per);
                    out.add(one);
                }
            }
        }
        return out;
    }

    /** Copies of every parameter's values (for keeping the best weights during early stopping). */
    public List<float[]> snapshotParameters() {
        List<float[]> s = new ArrayList<>();
        for (Pair<String, Parameter> p : net.getParameters()) s.add(p.getValue().getArray().toFloatArray());
        return s;
    }

    /** Copies the values into each parameter's own memory (see {@link Gradients#zero} on why not {@code set(float[])}). */
    public void restoreParameters(List<float[]> snapshot) {
        int i = 0;
        for (Pair<String, Parameter> p : net.getParameters()) {
            NDArray a = p.getValue().getArray();
            try (NDArray values = a.getManager().create(snapshot.get(i++), a.getShape())) {
                a.set(new NDIndex("..."), values);
            }
        }
    }

    /**
     * DJL's default weight initialisation (Xavier, Gaussian, fan-in, magnitude 2: He-normal, standard deviation
     * sqrt(2 / fan-in)) drawn from a seeded Java generator in the block's fixed parameter order.
     */
    static final class SeededHeNormal implements Initializer {
        private final SplittableRandom random;

        SeededHeNormal(long seed) { this.random = new SplittableRandom(seed); }

        @Override
        public NDArray initialize(NDManager manager, Shape shape, DataType dataType) {
            if (shape.dimension() < 2) throw new IllegalArgumentException("a weight needs at least 2 dimensions: " + shape);
            long fanIn = shape.get(1) * (shape.dimension() > 2 ? shape.slice(2).size() : 1);
            double sd = Math.sqrt(2.0 / fanIn);
            float[] v = new float[Math.toIntExact(shape.size())];
            for (int i = 0; i < v.length; i++) v[i] = (float) (random.nextGaussian() * sd);
            return manager.create(v, shape).toType(dataType, false);
        }
    }

    /** The network as a DJL block with named children (names fix the parameter order on save and load). */
    static final class Net extends AbstractBlock {
        private final int levels;
        private final List<Block> encoders = new ArrayList<>();
        private final Block bottom;
        private final List<Block> ups = new ArrayList<>();
        private final List<Block> decoders = new ArrayList<>();
        private final Block head;

        Net(UNetConfig c) {
            levels = c.levels();
            for (int l = 0; l < levels; l++) encoders.add(addChildBlock("enc" + l, doubleConv(c.width(l))));
            bottom = addChildBlock("bottom", doubleConv(c.width(levels)));
            for (int l = levels - 1; l >= 0; l--) {
                ups.add(0, addChildBlock("up" + l, conv(c.width(l), 1)));
                decoders.add(0, addChildBlock("dec" + l, doubleConv(c.width(l))));
            }
            head = addChildBlock("head", Conv2d.builder().setFilters(1).setKernelShape(new Shape(1, 1)).build());
        }

        private static Block conv(int filters, int kernel) {
            return Conv2d.builder().setFilters(filters).setKernelShape(new Shape(kernel, kernel))
                    .optPadding(new Shape(kernel / 2, kernel / 2)).optBias(false).build();
        }

        private static Block doubleConv(int filters) {
            return new SequentialBlock()
                    .add(conv(filters, 3)).add(BatchNorm.builder().build()).add(Activation.reluBlock())
                    .add(conv(filters, 3)).add(BatchNorm.builder().build()).add(Activation.reluBlock());
        }

        private static NDArray pool(NDArray x) {
            return Pool.maxPool2d(x, new Shape(2, 2), new Shape(2, 2), new Shape(0, 0), false);
        }

        private static NDArray upsample(NDArray x) { return x.repeat(2, 2).repeat(3, 2); }

        @Override
        protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
            NDArray x = inputs.singletonOrThrow();
            NDArray[] skips = new NDArray[levels];
            for (int l = 0; l < levels; l++) {
                x = encoders.get(l).forward(ps, new NDList(x), training).singletonOrThrow();
                skips[l] = x;
                x = pool(x);
            }
            x = bottom.forward(ps, new NDList(x), training).singletonOrThrow();
            for (int l = levels - 1; l >= 0; l--) {
                x = ups.get(l).forward(ps, new NDList(upsample(x)), training).singletonOrThrow();
                x = NDArrays.concat(new NDList(x, skips[l]), 1);
                x = decoders.get(l).forward(ps, new NDList(x), training).singletonOrThrow();
            }
            return head.forward(ps, new NDList(x), training);
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) {
            Shape in = inputShapes[0];
            return new Shape[] {new Shape(in.get(0), 1, in.get(2), in.get(3))};
        }

        @Override
        protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
            Shape s = inputShapes[0];
            long n = s.get(0), h = s.get(2), w = s.get(3);
            Shape[] skip = new Shape[levels];
            for (int l = 0; l < levels; l++) {
                encoders.get(l).initialize(manager, dataType, s);
                s = encoders.get(l).getOutputShapes(new Shape[] {s})[0];
                skip[l] = s;
                s = new Shape(n, s.get(1), s.get(2) / 2, s.get(3) / 2);
            }
            bottom.initialize(manager, dataType, s);
            s = bottom.getOutputShapes(new Shape[] {s})[0];
            for (int l = levels - 1; l >= 0; l--) {
                Shape upIn = new Shape(n, s.get(1), s.get(2) * 2, s.get(3) * 2);
                ups.get(l).initialize(manager, dataType, upIn);
                Shape upOut = ups.get(l).getOutputShapes(new Shape[] {upIn})[0];
                Shape cat = new Shape(n, upOut.get(1) + skip[l].get(1), upOut.get(2), upOut.get(3));
                decoders.get(l).initialize(manager, dataType, cat);
                s = decoders.get(l).getOutputShapes(new Shape[] {cat})[0];
            }
            head.initialize(manager, dataType, s);
            if (s.get(2) != h || s.get(3) != w) throw new IllegalStateException("U-Net output " + s + " for input " + inputShapes[0]);
        }
    }
}
