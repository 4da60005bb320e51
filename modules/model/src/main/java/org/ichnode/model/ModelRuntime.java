package org.ichnode.model;

/**
 * Settings DJL reads once, when the engine first loads: never download anything (the native library comes from the
 * classpath) and a bounded number of PyTorch threads; a warning when oneDNN may use its AVX-512 kernels. On the shared 2-core build machines more OpenMP threads than
 * free cores made training 15 to 30 times slower (see docs/model.md).
 */
public final class ModelRuntime {
    private ModelRuntime() {}

    public static void configure() { configure(Integer.getInteger("ichnode.model.threads", 1)); }

    public static void configure(int threads) {
        if (threads < 1) throw new IllegalArgumentException("model threads must be >= 1");
        if (System.getenv("DNNL_MAX_CPU_ISA") == null) {
            // read by libtorch's oneDNN when it loads: too late to set from here
            org.slf4j.LoggerFactory.getLogger(ModelRuntime.class).warn("DNNL_MAX_CPU_ISA is not set: oneDNN's AVX-512 "
                    + "kernels gave NaN gradients in training on AMD EPYC machines; start with DNNL_MAX_CPU_ISA=AVX2 "
                    + "(./ichnode does; docs/model.md, CPU kernels)");
        }
        System.setProperty("ai.djl.offline", "true");
        System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(threads));
        System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
    }

    /** Seeds DJL's random generator (weight initialisation), so training runs can be repeated. */
    public static void seed(long seed) { ai.djl.engine.Engine.getInstance().setRandomSeed((int) seed); }
}
