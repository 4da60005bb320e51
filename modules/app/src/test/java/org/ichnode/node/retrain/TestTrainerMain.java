package org.ichnode.node.retrain;

import org.ichnode.app.Main;
import org.ichnode.app.cli.Args;

import java.time.Duration;
import java.util.Arrays;

/** {@code serve} with the fixed-Dice test trainer, for tests with real node processes: {@code --dice D --train-millis N} first. */
public final class TestTrainerMain {
    private TestTrainerMain() {}

    public static void main(String[] argv) throws Exception {
        Args args = new Args(Arrays.asList(argv));
        double dice = Double.parseDouble(args.option("--dice", "0.6"));
        long millis = Long.parseLong(args.option("--train-millis", "1000"));
        System.exit(Main.serve(args, new FixedDiceTrainer(dice, Duration.ofMillis(millis))));
    }
}
