package org.ichnode.ris.label;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Evaluates the labeller on the hand-written report test set (src/test/resources/reports, see README.md there) and
 * prints precision / recall / F1 per class, the positive-vs-negative F1 and the subtype accuracy.
 *
 * <p>Positive-vs-negative F1: only reports whose gold label is POSITIVE or NEGATIVE <i>and</i> whose predicted label
 * is POSITIVE or NEGATIVE are counted (uncertain gold and uncertain predictions are both left out); on those, POSITIVE
 * is the positive class: P = TP/(TP+FP), R = TP/(TP+FN), F1 = 2PR/(P+R). How many were left out is printed too.
 *
 * <p>Subtype accuracy: over reports that are POSITIVE in gold and prediction, the share whose predicted subtype set
 * (type and side) equals the gold set exactly; the same ignoring side is printed as well.
 */
class ReportCorpusEvaluationTest {

    record Gold(String id, Hemorrhage label, String subtypes, String text) {
    }

    static List<Gold> load() throws IOException {
        List<Gold> out = new ArrayList<>();
        for (String file : read("reports/index.txt").split("\\R")) {
            if (file.isBlank()) continue;
            String body = read("reports/" + file.strip());
            String[] parts = body.split("(?m)^#### ");
            for (String p : parts) {
                if (p.isBlank()) continue;
                int nl = p.indexOf('\n');
                String[] h = p.substring(0, nl).split("\\|", -1);
                String codes = h[2].strip();
                out.add(new Gold(h[0].strip(), Hemorrhage.valueOf(h[1].strip()), normalize(codes), p.substring(nl + 1)));
            }
        }
        return out;
    }

    /** Sorted code list in Subtype order, e.g. "SDH:L;SAH:U". */
    static String normalize(String codes) {
        if (codes.isBlank()) return "";
        List<String> order = List.of("EDH", "SDH", "SAH", "IPH", "IVH");
        List<String> items = new ArrayList<>(List.of(codes.split(";")));
        items.replaceAll(String::strip);
        items.sort((a, b) -> order.indexOf(a.substring(0, 3)) - order.indexOf(b.substring(0, 3)));
        return String.join(";", items);
    }

    static String read(String resource) throws IOException {
        try (InputStream in = ReportCorpusEvaluationTest.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) throw new IOException("missing test resource " + resource);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void testSetIsLargeAndBalancedAsSpecified() throws IOException {
        List<Gold> gold = load();
        Set<String> ids = new HashSet<>();
        for (Gold g : gold) assertTrue(ids.add(g.id()), "duplicate id " + g.id());
        assertTrue(gold.size() >= 220, "at least 220 reports, got " + gold.size());
        for (Gold g : gold)
            if (g.label() != Hemorrhage.POSITIVE) assertEquals("", g.subtypes(), "subtypes only on positives: " + g.id());
    }

    @Test
    void evaluatesLabellerOnReportTestSet() throws IOException {
        List<Gold> gold = load();
        ReportLabeller labeller = new ReportLabeller();
        Hemorrhage[] classes = Hemorrhage.values();
        int[][] confusion = new int[3][3]; // [gold][pred]
        int bothPos = 0, subtypeExact = 0, subtypeTypes = 0;
        List<String> misses = new ArrayList<>();
        List<String> subtypeMisses = new ArrayList<>();
        for (Gold g : gold) {
            ReportLabel l = labeller.label(g.text());
            confusion[g.label().ordinal()][l.hemorrhage().ordinal()]++;
            if (g.label() != l.hemorrhage())
                misses.add(String.format(Locale.ROOT, "  %s expected %-9s predicted %-9s evidence=%s", g.id(), g.label(),
                        l.hemorrhage(), l.evidence().stream().map(e -> e.section() + ": " + e.sentence()).toList()));
            if (g.label() == Hemorrhage.POSITIVE && l.hemorrhage() == Hemorrhage.POSITIVE) {
                bothPos++;
                String pred = l.subtypeCodes();
                if (pred.equals(g.subtypes())) subtypeExact++;
                else subtypeMisses.add(String.format(Locale.ROOT, "  %s expected [%s] predicted [%s]", g.id(), g.subtypes(), pred));
                if (types(pred).equals(types(g.subtypes()))) subtypeTypes++;
            }
        }
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%nReport labeller evaluation on %d hand-written head CT reports%n", gold.size()));
        sb.append(String.format(Locale.ROOT, "%-10s %9s %9s %9s %8s%n", "class", "precision", "recall", "F1", "support"));
        for (Hemorrhage c : classes) {
            int i = c.ordinal();
            int tp = confusion[i][i], fp = 0, fn = 0, support = 0;
            for (int k = 0; k < 3; k++) {
                if (k != i) {
                    fp += confusion[k][i];
                    fn += confusion[i][k];
                }
                support += confusion[i][k];
            }
            double p = ratio(tp, tp + fp), r = ratio(tp, tp + fn);
            sb.append(String.format(Locale.ROOT, "%-10s %9.3f %9.3f %9.3f %8d%n", c.name().toLowerCase(Locale.ROOT), p, r, f1(p, r), support));
        }
        int correct = confusion[0][0] + confusion[1][1] + confusion[2][2];
        sb.append(String.format(Locale.ROOT, "accuracy (3 classes): %.3f (%d/%d)%n", ratio(correct, gold.size()), correct, gold.size()));
        sb.append("confusion (rows gold, columns predicted: POS NEG UNC):\n");
        for (Hemorrhage c : classes)
            sb.append(String.format(Locale.ROOT, "  %-9s %4d %4d %4d%n", c, confusion[c.ordinal()][0], confusion[c.ordinal()][1], confusion[c.ordinal()][2]));
        int P = Hemorrhage.POSITIVE.ordinal(), N = Hemorrhage.NEGATIVE.ordinal(), U = Hemorrhage.UNCERTAIN.ordinal();
        int tp = confusion[P][P], fp = confusion[N][P], fn = confusion[P][N], tn = confusion[N][N];
        int excluded = gold.size() - (tp + fp + fn + tn);
        double p = ratio(tp, tp + fp), r = ratio(tp, tp + fn), f = f1(p, r);
        sb.append(String.format(Locale.ROOT,
                "positive vs negative (gold and prediction both in {POS,NEG}; %d reports with uncertain gold or prediction excluded):%n"
                        + "  TP=%d FP=%d FN=%d TN=%d  precision=%.3f recall=%.3f F1=%.3f%n", excluded, tp, fp, fn, tn, p, r, f));
        sb.append(String.format(Locale.ROOT, "  gold POS/NEG predicted UNCERTAIN: %d; gold UNCERTAIN predicted POS/NEG: %d%n",
                confusion[P][U] + confusion[N][U], confusion[U][P] + confusion[U][N]));
        sb.append(String.format(Locale.ROOT, "subtype accuracy on %d reports positive in gold and prediction: exact (type+side) %.3f (%d), types only %.3f (%d)%n",
                bothPos, ratio(subtypeExact, bothPos), subtypeExact, ratio(subtypeTypes, bothPos), subtypeTypes));
        sb.append("misclassified reports:\n");
        misses.forEach(m -> sb.append(m).append('\n'));
        if (misses.isEmpty()) sb.append("  none\n");
        sb.append("subtype mismatches:\n");
        subtypeMisses.forEach(m -> sb.append(m).append('\n'));
        if (subtypeMisses.isEmpty()) sb.append("  none\n");
        System.out.println(sb);
        assertTrue(f >= 0.95, "positive-vs-negative F1 must be >= 0.95, was " + f);
    }

    static Set<String> types(String codes) {
        Set<String> s = new TreeSet<>();
        if (!codes.isBlank()) for (String c : codes.split(";")) s.add(c.substring(0, 3));
        return s;
    }

    static double ratio(int a, int b) {
        return b == 0 ? 0.0 : (double) a / b;
    }

    static double f1(double p, double r) {
        return p + r == 0 ? 0.0 : 2 * p * r / (p + r);
    }
}
