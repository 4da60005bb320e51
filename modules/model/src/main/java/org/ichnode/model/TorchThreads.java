package org.ichnode.model;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;

/**
 * PyTorch's intra-op thread count is one setting for the whole process (inference and training alike). A training
 * run limits it for its duration so it cannot take the cores the receiving side and the workers need; the previous
 * count is restored when the returned handle is closed.
 */
public final class TorchThreads implements AutoCloseable {
    private final int previous;

    private TorchThreads(int previous) { this.previous = previous; }

    public static TorchThreads limit(int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1");
        Engine.getEngine("PyTorch");   // loads the native library before the first JNI call
        int before = JniUtils.getNumThreads();
        JniUtils.setNumThreads(Math.min(threads, Math.max(1, before)));
        return new TorchThreads(before);
    }

    public static int current() {
        Engine.getEngine("PyTorch");
        return JniUtils.getNumThreads();
    }

    @Override public void close() { JniUtils.setNumThreads(previous); }
}
