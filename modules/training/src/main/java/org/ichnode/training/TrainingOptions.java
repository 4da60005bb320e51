package org.ichnode.training;

/**
 * Options of {@link ClassifierTrainer}.
 *
 * @param steps          optimiser steps
 * @param batchSize      slices per step
 * @param learningRate   Adam learning rate (fixed)
 * @param balanced       draw half positives, half negatives per batch (slice labels are imbalanced)
 * @param flipHorizontal augment with left-right flips (p = 0.5)
 * @param flipVertical   augment with up-down flips (p = 0.5; off by default: head CT has a front and a back)
 * @param maxShift       augment with integer shifts of up to this many pixels in x and y (0 = none)
 * @param seed           random seed for sampling and augmentation
 * @param logEvery       log the running loss every this many steps (0 = never)
 */
public record TrainingOptions(int steps, int batchSize, double learningRate, boolean balanced,
                              boolean flipHorizontal, boolean flipVertical, int maxShift, long seed, int logEvery) {

    public TrainingOptions {
        if (steps < 1 || batchSize < 1 || !(learningRate > 0) || maxShift < 0) throw new IllegalArgumentException("bad training options");
    }

    public static TrainingOptions defaults() { return new TrainingOptions(2000, 16, 1e-3, true, true, false, 8, 1L, 50); }

    public TrainingOptions withSteps(int n) { return new TrainingOptions(n, batchSize, learningRate, balanced, flipHorizontal, flipVertical, maxShift, seed, logEvery); }
    public TrainingOptions withBatchSize(int n) { return new TrainingOptions(steps, n, learningRate, balanced, flipHorizontal, flipVertical, maxShift, seed, logEvery); }
    public TrainingOptions withLearningRate(double lr) { return new TrainingOptions(steps, batchSize, lr, balanced, flipHorizontal, flipVertical, maxShift, seed, logEvery); }
    public TrainingOptions withSeed(long s) { return new TrainingOptions(steps, batchSize, learningRate, balanced, flipHorizontal, flipVertical, maxShift, s, logEvery); }
    public TrainingOptions withMaxShift(int px) { return new TrainingOptions(steps, batchSize, learningRate, balanced, flipHorizontal, flipVertical, px, seed, logEvery); }
    public TrainingOptions withLogEvery(int n) { return new TrainingOptions(steps, batchSize, learningRate, balanced, flipHorizontal, flipVertical, maxShift, seed, n); }
}
