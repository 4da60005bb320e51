package org.ichnode.training;

/**
 * Options of {@link SegmentationTrainer}.
 *
 * @param steps              optimiser steps at most
 * @param batchSize          slices per step
 * @param learningRate       Adam learning rate (fixed)
 * @param foregroundFraction share of each batch drawn from slices whose target has foreground
 * @param maxShift           integer shift augmentation in pixels (0 = none); left-right flips always
 * @param evalEvery          validate every this many steps (0 = never: keep the last weights)
 * @param patience           stop after this many validations without a better validation Dice (early stopping)
 * @param seed               sampling and augmentation seed; the callers also start the U-Net from it
 *                           ({@link UNet#create})
 * @param logEvery           log every this many steps (0 = never)
 */
public record SegmentationTrainingOptions(int steps, int batchSize, double learningRate, double foregroundFraction,
                                          int maxShift, int evalEvery, int patience, long seed, int logEvery) {

    public SegmentationTrainingOptions {
        if (steps < 1 || batchSize < 1 || !(learningRate > 0) || foregroundFraction < 0 || foregroundFraction > 1
                || maxShift < 0 || evalEvery < 0 || patience < 1) {
            throw new IllegalArgumentException("bad segmentation training options");
        }
    }

    public static SegmentationTrainingOptions defaults() {
        return new SegmentationTrainingOptions(1500, 8, 2e-3, 0.6, 8, 100, 4, 1L, 50);
    }

    public SegmentationTrainingOptions withSteps(int n) {
        return new SegmentationTrainingOptions(n, batchSize, learningRate, foregroundFraction, maxShift, evalEvery, patience, seed, logEvery);
    }

    public SegmentationTrainingOptions withBatchSize(int n) {
        return new SegmentationTrainingOptions(steps, n, learningRate, foregroundFraction, maxShift, evalEvery, patience, seed, logEvery);
    }

    public SegmentationTrainingOptions withLearningRate(double lr) {
        return new SegmentationTrainingOptions(steps, batchSize, lr, foregroundFraction, maxShift, evalEvery, patience, seed, logEvery);
    }

    public SegmentationTrainingOptions withEvalEvery(int n, int newPatience) {
        return new SegmentationTrainingOptions(steps, batchSize, learningRate, foregroundFraction, maxShift, n, newPatience, seed, logEvery);
    }

    public SegmentationTrainingOptions withSeed(long s) {
        return new SegmentationTrainingOptions(steps, batchSize, learningRate, foregroundFraction, maxShift, evalEvery, patience, s, logEvery);
    }

    public SegmentationTrainingOptions withLogEvery(int n) {
        return new SegmentationTrainingOptions(steps, batchSize, learningRate, foregroundFraction, maxShift, evalEvery, patience, seed, n);
    }
}
