package org.ichnode.model.tf;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.SessionFunction;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.StdArrays;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.ReduceSum;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/** Small SavedModels written with TensorFlow Java's Ops API, whose output the tests can compute by hand. */
final class TinySavedModels {
    private TinySavedModels() {}

    /**
     * {@code p = sigmoid(k * (sum_c w_c * x_c - t))} per pixel: input {@code slices} (N, S, S, C), output
     * {@code probability} (N, S, S, 1). The weights are a variable, so the export carries a variables/ checkpoint
     * like a trained model.
     */
    static void exportWeightedSigmoid(Path dir, int size, float[] channelWeights, float k, float t) throws IOException {
        export(dir, Shape.of(-1, size, size, channelWeights.length), (tf, x) -> {
            float[][][][] w = new float[1][1][1][];
            w[0][0][0] = channelWeights.clone();
            Variable<TFloat32> weights = tf.withName("channel_weights").variable(tf.constant(StdArrays.ndCopyOf(w)));
            Operand<TFloat32> mixed = tf.reduceSum(tf.math.mul(x, weights), tf.constant(new int[] {3}), ReduceSum.keepDims(true));
            return tf.math.sigmoid(tf.math.mul(tf.constant(k), tf.math.sub(mixed, tf.constant(t))));
        });
    }

    /** A well-formed graph whose output is half the input size (2x2 max pool): the wrong output shape. */
    static void exportPooled(Path dir, Shape inputShape) throws IOException {
        export(dir, inputShape, (tf, x) -> tf.math.sigmoid(tf.nn.maxPool(x,
                tf.constant(new int[] {1, 2, 2, 1}), tf.constant(new int[] {1, 2, 2, 1}), "VALID")));
    }

    /** Input of any given shape, output = sigmoid(input). */
    static void exportIdentitySigmoid(Path dir, Shape inputShape) throws IOException {
        export(dir, inputShape, (tf, x) -> tf.math.sigmoid(x));
    }

    /** Output = 3 * input + 1: not a probability. */
    static void exportUnbounded(Path dir, int size) throws IOException {
        export(dir, Shape.of(-1, size, size, 1), (tf, x) -> tf.math.add(tf.math.mul(x, tf.constant(3f)), tf.constant(1f)));
    }

    interface GraphBody { Operand<TFloat32> apply(Ops tf, Operand<TFloat32> input); }

    private static void export(Path dir, Shape inputShape, GraphBody body) throws IOException {
        try (Graph g = new Graph(); Session session = new Session(g)) {
            Ops tf = Ops.create(g);
            Placeholder<TFloat32> x = tf.withName("slices").placeholder(TFloat32.class, Placeholder.shape(inputShape));
            Operand<TFloat32> y = tf.withName("probability").identity(body.apply(tf, x));
            session.initialize();
            Signature sig = Signature.builder().key("serving_default").input("slices", x).output("probability", y).build();
            SavedModelBundle.exporter(dir.toString()).withFunction(SessionFunction.create(sig, session)).export();
        }
    }

    /** Writes the sidecar; {@code extra} lines are appended verbatim (for overriding or adding keys). */
    static void writeSidecar(Path dir, int size, String windows, double threshold, String... extra) throws IOException {
        String text = "# written by the test\n"
                + "model.name=tiny-sigmoid\n"
                + "model.version=0.0.1-test\n"
                + "input.size=" + size + "\n"
                + "input.windows=" + windows + "\n"
                + "threshold=" + threshold + "\n"
                + String.join("\n", Arrays.asList(extra)) + "\n";
        Files.writeString(dir.resolve(SavedModelSidecar.FILE_NAME), text, StandardCharsets.UTF_8);
    }
}
