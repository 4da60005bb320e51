package org.ichnode.training;

/** Which components of the {@link org.ichnode.training.pseudomask.DensityPrior} become U-Net targets. */
public enum DensityGate {
    /**
     * Those components of the positive slices that a CAM-based mask (the deep Grad-CAM, {@link WeakSupervision.Plan#DENSITY_GATE})
     * touches: the gate when there are no negative images to contrast with.
     */
    CAM,
    /** Every component on the positive slices (an ablation row: what a gate adds). */
    NONE,
    /**
     * The components of positive images that look unlike those of negative images
     * ({@link org.ichnode.training.pseudomask.NegativeContrast}); no CAM. The default: far cleaner targets than either
     * other gate, with slice or study labels (docs/model.md). Without negative images it falls back to {@link #CAM}.
     */
    NEGATIVE_CONTRAST
}
