package org.ichnode.app.cli;

import org.ichnode.core.preprocess.PreprocessOptions;
import org.ichnode.training.WeakSupervision;

/**
 * The input and classifier-training options that {@code train} and {@code experiment real} share:
 * {@code --windows}, {@code --neighbours}, {@code --rotation}, {@code --zoom}, {@code --lr-decay}.
 */
record InputAndAugmentation(String windows, int neighbours, double rotation, double zoom, boolean cosineDecay) {

    static InputAndAugmentation from(Args args) {
        String windows = args.option("--windows", "hemorrhage");
        int neighbours = args.intOption("--neighbours", 0);
        double rotation = Double.parseDouble(args.option("--rotation", "0"));
        double zoom = Double.parseDouble(args.option("--zoom", "0"));
        String lrDecay = args.option("--lr-decay", "none");
        if (!lrDecay.equals("none") && !lrDecay.equals("cosine")) throw new IllegalArgumentException("--lr-decay: none or cosine");
        return new InputAndAugmentation(windows, neighbours, rotation, zoom, lrDecay.equals("cosine"));
    }

    /** {@code plan} with this input at {@code size} and these classifier augmentations and schedule. */
    WeakSupervision.Plan applyTo(WeakSupervision.Plan plan, int size) {
        WeakSupervision.Plan p = plan.withPreprocess(PreprocessOptions.named(windows, size).withNeighbours(neighbours));
        return p.withClassifierTraining(p.classifierTraining().withAffine(rotation, zoom).withCosineDecay(cosineDecay));
    }

    /** For reports: what differs from one window without augmentation. */
    String describe() {
        return "windows " + windows
                + (neighbours > 0 ? ", " + neighbours + " neighbouring slices each side" : "")
                + (rotation > 0 || zoom > 0 ? ", classifier augmentation rotation " + rotation + " degrees, zoom " + zoom : "")
                + (cosineDecay ? ", cosine learning-rate decay" : "");
    }
}
