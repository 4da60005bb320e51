package org.ichnode.model;

import org.ichnode.core.preprocess.PreparedSlice;

import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;

/** What the classifiers and the U-Net have alike: a DJL model around one block that takes C x S x S slices. */
public abstract class Network<C extends Network.Config> implements AutoCloseable {
    /** The input a network takes, and how its description is kept beside its weights. */
    public interface Config {
        int inputChannels();
        int inputSize();
    }

    protected final C config;
    protected final Model model;
    private final Block block;

    protected Network(C config, Model model, Block block) {
        this.config = config;
        this.model = model;
        this.block = block;
    }

    public C config() { return config; }
    public Model model() { return model; }
    public Block block() { return block; }
    public NDManager manager() { return model.getNDManager(); }

    public Shape inputShape(int batch) {
        return new Shape(batch, config.inputChannels(), config.inputSize(), config.inputSize());
    }

    /** Number of trainable values. */
    public long parameterCount() {
        long n = 0;
        for (Pair<String, Parameter> p : block.getParameters()) if (p.getValue().isInitialized()) n += p.getValue().getArray().size();
        return n;
    }

    /** Stacks prepared slices into an {@code (N, C, S, S)} array in {@code manager}, checking each slice's shape. */
    public NDArray toBatch(NDManager manager, List<PreparedSlice> slices) {
        int channels = config.inputChannels(), size = config.inputSize();
        int per = channels * size * size;
        float[] data = new float[slices.size() * per];
        for (int i = 0; i < slices.size(); i++) {
            PreparedSlice s = slices.get(i);
            if (s.channels() != channels || s.size() != size) {
                throw new IllegalArgumentException("slice is " + s.channels() + "x" + s.size() + ", the network wants " + channels + "x" + size);
            }
            System.arraycopy(s.pixels(), 0, data, i * per, per);
        }
        return manager.create(data, new Shape(slices.size(), channels, size, size));
    }

    @Override public void close() { model.close(); }

    /** Reads the weights {@link Model#save} wrote as {@code name}; the network is closed when they cannot be read. */
    static <N extends Network<?>> N loadWeights(N network, Path dir, String name) throws IOException {
        try {
            network.model.load(dir, name);
            return network;
        } catch (MalformedModelException e) {
            network.close();
            throw new IOException("cannot load " + name + " from " + dir + ": " + e.getMessage(), e);
        }
    }

    static void writeProperties(Path file, Properties p, String comment) throws IOException {
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) { p.store(w, comment); }
    }

    static Properties readProperties(Path file) throws IOException {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) { p.load(r); }
        return p;
    }
}
