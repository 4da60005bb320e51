package org.ichnode.training;

import ai.djl.training.tracker.Tracker;

/**
 * Options of {@link ClassifierTrainer} and {@link StudyLabelTrainer}.
 *
 * @param steps          optimiser steps
 * @param batchSize      slices per step
 * @param learningRate   Adam learning rate (the start of the schedule)
 * @param balanced       draw half positives, half negatives per batch (slice labels are imbalanced)
 * @param flipHorizontal augment with left-right flips (p = 0.5)
 * @param flipVertical   augment with up-down flips (p = 0.5; off by default: head CT has a front and a back)
 * @param maxShift       augment with integer shifts of up to this many pixels in x and y (0 = none)
 * @param maxRotation    augment with rotations about the centre of up to this many degrees either way (0 = none)
 * @param maxZoom        augment with scaling by a factor within 1 +- this (0 = none); heads differ in size and tilt
 * @param cosineDecay    let the learning rate fall along a cosine to a hundredth of it by the last step, instead of
 *                       keeping it fixed: the weights of the last step are the ones kept, and at a fixed rate they
 *                       still jump from batch to batch
 * @param seed           random seed for sampling and augmentation
 * @param logEvery       log the running loss every this many steps (0 = never)
 */
public record TrainingOptions(int steps, int batchSize, double learningRate, boolean balanced,
                              boolean flipHorizontal, boolean flipVertical, int maxShift, double maxRotation, double maxZoom,
                              boolean cosineDecay, long seed, int logEvery) {

    public TrainingOptions {
        if (steps < 1 || batchSize < 1 || !(learningRate > 0) || maxShift < 0) throw new IllegalArgumentException("bad training options");
        if (!(maxRotation >= 0 && maxRotation <= 45) || !(maxZoom >= 0 && maxZoom < 0.5)) {
            throw new IllegalArgumentException("rotation 0..45 degrees and zoom 0..0.5, not " + maxRotation + " and " + maxZoom);
        }
    }

    public static TrainingOptions defaults() { return new TrainingOptions(2000, 16, 1e-3, true, true, false, 8, 0, 0, false, 1L, 50); }

    public TrainingOptions withSteps(int n) { return new TrainingOptions(n, batchSize, learningRate, balanced, flipHorizontal, flipVertical, maxShift, maxRotation, maxZoom, cosineDecay, seed, logEvery); }
    public TrainingOptions withBatchSize(int n) { return new TrainingOptions(steps, n, learningRate, balanced, flipHorizontal, flipVertical, maxShift, maxRotation, maxZoom, cosineDecay, seed, logEvery); }
    public TrainingOptions withLearningRate(double lr) { return new TrainingOptions(steps, batchSize, lr, balanced, flipHorizontal, flipVertical, maxShift, maxRotation, maxZoom, cosineDecay, seed, logEvery); }
    public TrainingOptions withSeed(long s) { return new TrainingOptions(steps, batchSize, learningRate, balanced, flipHorizontal, flipVertical, maxShift, maxRotation, maxZoom, cosineDecay, s, logEvery); }
    public TrainingOptions withMaxShift(int px) { return new TrainingOptions(steps, batchSize, learningRate, balanced, flipHorizontal, flipVertical, px, maxRotation, maxZoom, cosineDecay, seed, logEvery); }
    public TrainingOptions withLogEvery(int n) { return new TrainingOptions(steps, batchSize, learningRate, balanced, flipHorizontal, flipVertical, maxShift, maxRotation, maxZoom, cosineDecay, seed, n); }

    /** Rotation (degrees either way) and zoom (1 +- z) augmentation. */
    public TrainingOptions withAffine(double degrees, double zoom) {
        return new TrainingOptions(steps, batchSize, learningRate, balanced, flipHorizontal, flipVertical, maxShift, degrees, zoom, cosineDecay, seed, logEvery);
    }

    public TrainingOptions withCosineDecay(boolean on) {
        return new TrainingOptions(steps, batchSize, learningRate, balanced, flipHorizontal, flipVertical, maxShift, maxRotation, maxZoom, on, seed, logEvery);
    }

    /** The learning rate per Adam update: fixed, or along the cosine. */
    public Tracker learningRateTracker() {
        if (!cosineDecay) return Tracker.fixed((float) learningRate);
        return Tracker.cosine().setBaseValue((float) learningRate).optFinalValue((float) (learningRate / 100)).setMaxUpdates(steps).build();
    }
}
