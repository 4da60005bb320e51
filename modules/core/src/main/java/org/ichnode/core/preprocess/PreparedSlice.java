package org.ichnode.core.preprocess;

/**
 * One model input: {@code channels x size x size} floats in 0..1, channel-major then row-major, with the mapping back
 * to the source slice.
 *
 * @param pixels   the input, length {@code channels * size * size}
 * @param channels number of channels
 * @param mapping  geometry back to the source slice
 * @param slice    index of the source slice in its Volume (-1 when not from a Volume)
 */
public record PreparedSlice(float[] pixels, int channels, SliceMapping mapping, int slice) {

    public PreparedSlice {
        if (pixels.length != channels * mapping.size() * mapping.size()) {
            throw new IllegalArgumentException(pixels.length + " values for " + channels + "x" + mapping.size() + "x" + mapping.size());
        }
    }

    public int size() { return mapping.size(); }
}
