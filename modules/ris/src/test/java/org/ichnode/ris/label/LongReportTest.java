package org.ichnode.ris.label;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Text without full stops (a pasted table, dictation without punctuation) is cut into sentences of at most
 * {@link ReportLabeller#MAX_SENTENCE} characters, which keeps the labeller linear in the report's length (a 3 MB
 * report took more than 300 s before, about 20 s now: docs/operations.md), and wrapped lines are joined without
 * copying the growing line again and again. The labels of what is inside do not change.
 */
class LongReportTest {

    @Test
    void longRunsAreCutAtSpacesAndKeepTheirLabels() {
        String filler = "the ventricles are normal in size and configuration ".repeat(400); // ~21,000 characters, no full stop
        List<String> s = ReportLabeller.sentences(filler + "there is an acute subdural hematoma along the left convexity");
        assertTrue(s.size() > 20, "cut into pieces: " + s.size());
        assertTrue(s.stream().allMatch(x -> x.length() <= ReportLabeller.MAX_SENTENCE), "every piece at most the limit");
        assertEquals(filler.strip().length() + " there is an acute subdural hematoma along the left convexity".length(),
                s.stream().mapToInt(String::length).sum() + s.size() - 1, "nothing lost but the spaces at the cuts");

        ReportLabeller labeller = new ReportLabeller();
        ReportLabel longOne = labeller.label("FINDINGS: " + filler + "there is an acute subdural hematoma along the left convexity.\n");
        ReportLabel shortOne = labeller.label("FINDINGS: There is an acute subdural hematoma along the left convexity.\n");
        assertEquals(shortOne.hemorrhage(), longOne.hemorrhage());
        assertEquals(shortOne.subtypes(), longOne.subtypes());
    }

    @Test
    void wrappedLinesAreJoinedIntoOneSentence() {
        List<String> s = ReportLabeller.sentences("There is a small\nsubdural hematoma\nalong the left convexity.\nNo midline shift.");
        assertEquals(List.of("There is a small subdural hematoma along the left convexity.", "No midline shift."), s);
    }
}
