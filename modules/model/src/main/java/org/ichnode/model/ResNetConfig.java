package org.ichnode.model;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Properties;

/**
 * Shape of a {@link ResNetClassifier}: a ResNet v1 (basic blocks) with a 7x7 stride-2 stem and a 3x3 stride-2 max pool
 * (layer1 at 1/4 of the input resolution, layer2 at 1/8, each further stage halves), global average pooling and one
 * logit.
 *
 * @param name           e.g. "resnet10" or "resnet18"
 * @param blocksPerStage basic blocks in layer1, layer2, ... (2 to 4 stages)
 * @param baseWidth      channels of the stem and layer1; stage i has {@code baseWidth << i}
 * @param inputChannels  channels of the input (1 for a single window, 3 for multi-window)
 * @param inputSize      side of the square input the model is built and trained for
 */
public record ResNetConfig(String name, int[] blocksPerStage, int baseWidth, int inputChannels, int inputSize) implements Network.Config {

    public ResNetConfig {
        blocksPerStage = blocksPerStage.clone();
        if (blocksPerStage.length < 2 || blocksPerStage.length > 4) throw new IllegalArgumentException("2 to 4 stages");
        for (int b : blocksPerStage) if (b < 1) throw new IllegalArgumentException("each stage needs a block");
        if (baseWidth < 2 || inputChannels < 1 || inputSize < 32) throw new IllegalArgumentException("bad config");
        if (!name.matches("[A-Za-z0-9_.-]+")) throw new IllegalArgumentException("name must be a plain token: " + name);
    }

    /** ResNet-10-like: one basic block per stage, four stages (the paper's lighter ensemble member). */
    public static ResNetConfig resnet10(int baseWidth, int inputChannels, int inputSize) {
        return new ResNetConfig("resnet10", new int[] {1, 1, 1, 1}, baseWidth, inputChannels, inputSize);
    }

    /** ResNet-18-like: two basic blocks per stage, four stages (the deeper ensemble member). */
    public static ResNetConfig resnet18(int baseWidth, int inputChannels, int inputSize) {
        return new ResNetConfig("resnet18", new int[] {2, 2, 2, 2}, baseWidth, inputChannels, inputSize);
    }

    @Override public int[] blocksPerStage() { return blocksPerStage.clone(); }

    public int stages() { return blocksPerStage.length; }

    public int stageWidth(int stage) { return baseWidth << stage; }

    /** Downsampling factor of layer {@code n} (1-based): 4 for layer1, 8 for layer2, ... */
    public int stride(int layer) { return 4 << (layer - 1); }

    @Override public boolean equals(Object o) {
        return o instanceof ResNetConfig c && name.equals(c.name) && Arrays.equals(blocksPerStage, c.blocksPerStage)
                && baseWidth == c.baseWidth && inputChannels == c.inputChannels && inputSize == c.inputSize;
    }

    @Override public int hashCode() { return name.hashCode() * 31 + Arrays.hashCode(blocksPerStage) + baseWidth * 7 + inputChannels * 3 + inputSize; }

    @Override public String toString() {
        return name + Arrays.toString(blocksPerStage) + " width " + baseWidth + ", " + inputChannels + "x" + inputSize + "x" + inputSize;
    }

    void write(Path file) throws IOException {
        Properties p = new Properties();
        p.setProperty("name", name);
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < blocksPerStage.length; i++) b.append(i == 0 ? "" : ",").append(blocksPerStage[i]);
        p.setProperty("blocksPerStage", b.toString());
        p.setProperty("baseWidth", Integer.toString(baseWidth));
        p.setProperty("inputChannels", Integer.toString(inputChannels));
        p.setProperty("inputSize", Integer.toString(inputSize));
        Network.writeProperties(file, p, "ich-node ResNetClassifier");
    }

    static ResNetConfig read(Path file) throws IOException {
        Properties p = Network.readProperties(file);
        int[] blocks = Arrays.stream(p.getProperty("blocksPerStage").split(",")).mapToInt(s -> Integer.parseInt(s.trim())).toArray();
        return new ResNetConfig(p.getProperty("name"), blocks, Integer.parseInt(p.getProperty("baseWidth")),
                Integer.parseInt(p.getProperty("inputChannels")), Integer.parseInt(p.getProperty("inputSize")));
    }
}
