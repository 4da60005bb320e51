package org.ichnode.training.pseudomask;

/**
 * Shape checks and small helpers for CAM stacks. A CAM stack is {@code float[slices][height * width]}: one row-major
 * map per slice (index = row * width + column), slices in {@link org.ichnode.core.volume.Volume} order, so
 * concatenating the slices gives Volume voxel order. Values are expected in [0, 1] (ReLU + per-slice max
 * normalisation, as CAMs usually are); thresholds such as TH = 0.2 assume that scale.
 */
public final class CamStacks {
    private CamStacks() {}

    /** Throws unless {@code stack} has {@code slices} non-null slices of {@code voxelsPerSlice} values each. */
    public static void checkShape(String name, float[][] stack, int slices, int voxelsPerSlice) {
        if (stack == null) throw new IllegalArgumentException(name + " is null");
        if (stack.length != slices) {
            throw new IllegalArgumentException(name + " has " + stack.length + " slices, expected " + slices);
        }
        for (int s = 0; s < slices; s++) {
            if (stack[s] == null) throw new IllegalArgumentException(name + " slice " + s + " is null");
            if (stack[s].length != voxelsPerSlice) {
                throw new IllegalArgumentException(name + " slice " + s + " has " + stack[s].length
                        + " values, expected " + voxelsPerSlice);
            }
        }
    }

    /** Throws unless the stack is non-empty and all its slices have the same, non-zero length; returns that length. */
    public static int voxelsPerSlice(String name, float[][] stack) {
        if (stack == null || stack.length == 0) throw new IllegalArgumentException(name + " is null or has no slices");
        if (stack[0] == null || stack[0].length == 0) throw new IllegalArgumentException(name + " slice 0 is empty");
        checkShape(name, stack, stack.length, stack[0].length);
        return stack[0].length;
    }

    /** Per-slice min-max normalisation to [0, 1] (a constant slice becomes all zero). Returns a new stack. */
    public static float[][] minMaxNormalize(float[][] stack) {
        voxelsPerSlice("stack", stack);
        float[][] out = new float[stack.length][];
        for (int s = 0; s < stack.length; s++) {
            float[] in = stack[s];
            float lo = Float.POSITIVE_INFINITY, hi = Float.NEGATIVE_INFINITY;
            for (float v : in) { if (v < lo) lo = v; if (v > hi) hi = v; }
            float[] o = new float[in.length];
            if (hi > lo) {
                float scale = 1f / (hi - lo);
                for (int i = 0; i < in.length; i++) o[i] = (in[i] - lo) * scale;
            }
            out[s] = o;
        }
        return out;
    }

    /** Concatenates per-slice masks into one array in Volume voxel order. */
    public static byte[] flatten(byte[][] slices) {
        int per = slices.length == 0 ? 0 : slices[0].length;
        byte[] out = new byte[slices.length * per];
        for (int s = 0; s < slices.length; s++) {
            if (slices[s].length != per) throw new IllegalArgumentException("ragged mask stack at slice " + s);
            System.arraycopy(slices[s], 0, out, s * per, per);
        }
        return out;
    }
}
