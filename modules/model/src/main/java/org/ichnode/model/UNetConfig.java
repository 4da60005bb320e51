package org.ichnode.model;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Properties;

/**
 * Shape of a {@link UNet}: {@code levels} encoder levels of two 3x3 convolutions (batch norm, ReLU), each followed by a
 * 2x2 max pool, a bottleneck, and a mirrored decoder (nearest-neighbour upsampling, 1x1 convolution, concatenation
 * with the skip, two 3x3 convolutions); a 1x1 convolution gives one logit per pixel. Level i has
 * {@code baseWidth << i} channels.
 *
 * @param baseWidth     channels of the first level
 * @param levels        encoder levels (the input side must be divisible by 2^levels)
 * @param inputChannels channels of the input (one per HU window)
 * @param inputSize     side of the square input the network is trained for
 */
public record UNetConfig(int baseWidth, int levels, int inputChannels, int inputSize) implements Network.Config {

    public UNetConfig {
        if (baseWidth < 2 || levels < 1 || levels > 6 || inputChannels < 1) throw new IllegalArgumentException("bad U-Net config");
        if (inputSize % (1 << levels) != 0) {
            throw new IllegalArgumentException("input size " + inputSize + " is not divisible by 2^" + levels);
        }
    }

    public int width(int level) { return baseWidth << level; }

    @Override public String toString() {
        return "unet width " + baseWidth + " levels " + levels + ", " + inputChannels + "x" + inputSize + "x" + inputSize;
    }

    void write(Path file) throws IOException {
        Properties p = new Properties();
        p.setProperty("baseWidth", Integer.toString(baseWidth));
        p.setProperty("levels", Integer.toString(levels));
        p.setProperty("inputChannels", Integer.toString(inputChannels));
        p.setProperty("inputSize", Integer.toString(inputSize));
        Network.writeProperties(file, p, "ich-node U-Net");
    }

    static UNetConfig read(Path file) throws IOException {
        Properties p = Network.readProperties(file);
        return new UNetConfig(Integer.parseInt(p.getProperty("baseWidth")), Integer.parseInt(p.getProperty("levels")),
                Integer.parseInt(p.getProperty("inputChannels")), Integer.parseInt(p.getProperty("inputSize")));
    }
}
