package org.ichnode.app.cli;

import org.ichnode.core.preprocess.PreprocessOptions;
import org.ichnode.training.WeakSupervision;

/**
 * The input and classifier-training options that {@code train} and {@code experiment real} share:
 * {@code --windows}, {@code --neighbours}, {@code --brain-only}, {@code --unet-brain-only} (only the U-Net's input blanked
 * outside the brain; the classifiers keep the skull), {@code --rotation}, {@code --zoom}, {@code --lr-decay},
 * {@code --pretrained-classifiers DIR} (a model artifact whose two classifiers are the starting weights, e.g. one trained
 * on phantoms with the same windows and size).
 */
record InputAndAugmentation(String windows, int neighbours, boolean brainOnly, boolean unetBrainOnly, double rotation, double zoom, boolean cosineDecay,
                            java.nio.file.Path pretrainedClassifiers) {

    static InputAndAugmentation from(Args args) {
        String windows = args.option("--windows", "hemorrhage");
        int neighbours = args.intOption("--neighbours", 0);
        boolean brainOnly = args.flag("--brain-only");
        boolean unetBrainOnly = args.flag("--unet-brain-only");
        if (brainOnly && unetBrainOnly) throw new IllegalArgumentException("--brain-only already blanks the U-Net's input: give one of the two");
        double rotation = Double.parseDouble(args.option("--rotation", "0"));
        double zoom = Double.parseDouble(args.option("--zoom", "0"));
        String lrDecay = args.option("--lr-decay", "none");
        if (!lrDecay.equals("none") && !lrDecay.equals("cosine")) throw new IllegalArgumentException("--lr-decay: none or cosine");
        String pretrained = args.option("--pretrained-classifiers");
        java.nio.file.Path dir = pretrained == null ? null : java.nio.file.Path.of(pretrained);
        if (dir != null) {
            try {
                org.ichnode.model.IchModel.readSettings(dir);   // refused now, not after the data are read
            } catch (java.io.IOException e) {
                throw new IllegalArgumentException("--pretrained-classifiers: " + e.getMessage(), e);
            }
        }
        return new InputAndAugmentation(windows, neighbours, brainOnly, unetBrainOnly, rotation, zoom, lrDecay.equals("cosine"), dir);
    }

    /** {@code plan} with this input at {@code size} and these classifier augmentations and schedule. */
    WeakSupervision.Plan applyTo(WeakSupervision.Plan plan, int size) {
        WeakSupervision.Plan p = plan.withPreprocess(PreprocessOptions.named(windows, size).withNeighbours(neighbours).withBrainOnly(brainOnly)
                .withUnetBrainOnly(unetBrainOnly));
        return p.withClassifierTraining(p.classifierTraining().withAffine(rotation, zoom).withCosineDecay(cosineDecay))
                .withPretrainedClassifiers(pretrainedClassifiers);
    }

    /** For reports: what differs from one window without augmentation. */
    String describe() {
        return "windows " + windows
                + (neighbours > 0 ? ", " + neighbours + " neighbouring slices each side" : "")
                + (brainOnly ? ", input blanked outside the brain mask" : "")
                + (unetBrainOnly ? ", U-Net input blanked outside the brain mask" : "")
                + (rotation > 0 || zoom > 0 ? ", classifier augmentation rotation " + rotation + " degrees, zoom " + zoom : "")
                + (cosineDecay ? ", cosine learning-rate decay" : "")
                + (pretrainedClassifiers != null ? ", classifiers starting from " + pretrainedClassifiers : "");
    }
}
