package org.ichnode.app.cli;

/**
 * Settings DJL reads once, when the engine first loads: never download anything (the native library comes from the
 * classpath) and a bounded number of PyTorch threads. On the shared 2-core build machines more OpenMP threads than
 * free cores made training 15 to 30 times slower (see docs/model.md).
 */
public final class ModelRuntime {
    private ModelRuntime() {}

    public static void configure() { configure(Integer.getInteger("ichnode.model.threads", 1)); }

    public static void configure(int threads) {
        if (threads < 1) throw new IllegalArgumentException("model threads must be >= 1");
        System.setProperty("ai.djl.offline", "true");
        System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(threads));
        System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
    }
}
