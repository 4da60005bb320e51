package org.ichnode.ris.label;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** {@code ./ichnode label-report}: reads one report from standard input, prints its label as one line of JSON. */
public final class LabelReportCli {
    private LabelReportCli() {
    }

    /** Returns the exit status: 0 on success, 2 when the input is empty, 1 when it cannot be read. */
    public static int run(InputStream in, PrintStream out) {
        String text;
        try {
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            System.err.println("label-report: cannot read standard input: " + e.getMessage());
            return 1;
        }
        if (text.isBlank()) {
            System.err.println("label-report: no report text on standard input");
            return 2;
        }
        out.println(new ReportLabeller().label(text).toJson());
        out.flush();
        return 0;
    }

    public static void main(String[] args) {
        System.exit(run(System.in, System.out));
    }
}
