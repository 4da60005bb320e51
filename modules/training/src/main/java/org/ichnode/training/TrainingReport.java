package org.ichnode.training;

/**
 * What a training run did.
 *
 * @param steps           optimiser steps taken
 * @param slices          slices processed (steps x batch)
 * @param seconds         wall time of the loop
 * @param slicesPerSecond throughput including augmentation and the optimiser step
 * @param losses          loss of every step
 */
public record TrainingReport(int steps, long slices, double seconds, double slicesPerSecond, float[] losses) {

    /** Mean loss of the first {@code n} steps. */
    public double meanLossFirst(int n) { return mean(0, Math.min(n, losses.length)); }

    /** Mean loss of the last {@code n} steps. */
    public double meanLossLast(int n) { return mean(Math.max(0, losses.length - n), losses.length); }

    private double mean(int from, int to) {
        double s = 0;
        for (int i = from; i < to; i++) s += losses[i];
        return to > from ? s / (to - from) : Double.NaN;
    }
}
