package org.ichnode.ris.label;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Hand-made adversarial one-liners, 20 per rule; "\n" in a case stands for a line break. */
class ReportLabellerRulesTest {

    private final ReportLabeller labeller = new ReportLabeller();

    private Hemorrhage label(String text) {
        return labeller.label(text.replace("\\n", "\n")).hemorrhage();
    }

    @ParameterizedTest(name = "[{index}] {0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "No acute intracranial hemorrhage.                                              | NEGATIVE",
            "No fracture, but there is a small left subdural hematoma.                      | POSITIVE",
            "No hydrocephalus, mass effect, or hemorrhage.                                  | NEGATIVE",
            "No midline shift and the left subdural hematoma is stable.                     | POSITIVE",
            "Hemorrhage is not identified.                                                  | NEGATIVE",
            "The subarachnoid hemorrhage has resolved.                                      | NEGATIVE",
            "No significant interval change in the right subdural hematoma.                 | POSITIVE",
            "Subdural hematoma without mass effect.                                         | POSITIVE",
            "Without evidence of hemorrhage.                                                | NEGATIVE",
            "No mass effect from the left epidural hematoma.                                | POSITIVE",
            "Negative for intracranial hemorrhage.                                          | NEGATIVE",
            "Linear hyperdensity represents streak artifact rather than hemorrhage.         | NEGATIVE",
            "Small left SDH. No new hemorrhage.                                             | POSITIVE",
            "Intracranial hemorrhage: none.                                                 | NEGATIVE",
            "No evidence of acute infarct, mass, midline shift or intracranial hemorrhage.  | NEGATIVE",
            "The previously seen SAH is no longer visualized, and the left SDH is stable.   | POSITIVE",
            "Resolved right putaminal hemorrhage.                                           | NEGATIVE",
            "Hemorrhage is unlikely.                                                        | NEGATIVE",
            "Non-hemorrhagic contusion is not seen; acute left SDH.                         | POSITIVE",
            "No definite hemorrhage.                                                        | NEGATIVE"})
    void negationScope(String text, Hemorrhage expected) {
        assertEquals(expected, label(text), text);
    }

    @ParameterizedTest(name = "[{index}] {0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "HISTORY: r/o bleed\\nFINDINGS: Normal.                                                  | NEGATIVE",
            "CLINICAL HISTORY: history of SAH\\nFINDINGS: No acute abnormality.                      | NEGATIVE",
            "INDICATION: evaluate for hemorrhage\\nIMPRESSION: No acute intracranial abnormality.     | NEGATIVE",
            "REASON FOR EXAM: known SDH\\nFINDINGS: Stable left SDH.                                 | POSITIVE",
            "COMPARISON: CT 1/1/2024 showing SAH.\\nFINDINGS: No hemorrhage.                         | NEGATIVE",
            "Hx: ICH\\nImpression: unremarkable.                                                     | NEGATIVE",
            "INDICATION: ?bleed\\nFINDINGS: Unremarkable.                                            | NEGATIVE",
            "HISTORY: Fall.\\nFINDINGS: Small right SDH.\\nIMPRESSION: Small right subdural hematoma. | POSITIVE",
            "HISTORY: subdural hematoma\\nTECHNIQUE: Axial images.\\nIMPRESSION: Negative.            | NEGATIVE",
            "FINDINGS: Possible small SAH.\\nIMPRESSION: No intracranial hemorrhage.                 | NEGATIVE",
            "FINDINGS: No hemorrhage.\\nIMPRESSION: Possible small left SDH.                         | UNCERTAIN",
            "FINDINGS: Left SDH measuring 4 mm.\\nIMPRESSION: Acute left subdural hematoma.          | POSITIVE",
            "FINDINGS: Small SAH in the right sylvian fissure.\\nIMPRESSION: Trauma as described.    | POSITIVE",
            "EXAM: CT HEAD FOR HEMORRHAGE\\nFINDINGS: Normal.                                        | NEGATIVE",
            "CLINICAL INDICATION: Rule out intracranial hemorrhage.\\nFINDINGS: The brain is normal. | NEGATIVE",
            "HISTORY: r/o SAH\\nFINDINGS: No SAH.\\nIMPRESSION: No CT evidence of SAH.               | NEGATIVE",
            "FINDINGS: Hyperdense right MCA. No hemorrhage.\\nIMPRESSION: Hyperdense MCA sign.       | NEGATIVE",
            "INDICATION: hemorrhagic stroke\\nFINDINGS: Old right basal ganglia infarct.             | NEGATIVE",
            "FINDINGS: No bleed.\\nIMPRESSION: No acute hemorrhage.\\nADDENDUM: On re-review, a small acute left SDH is present. | POSITIVE",
            "Small left parietal subdural hematoma.                                                 | POSITIVE"})
    void historySectionsAndSectionPriority(String text, Hemorrhage expected) {
        assertEquals(expected, label(text), text);
    }

    @ParameterizedTest(name = "[{index}] {0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "Chronic left subdural hematoma.                                          | NEGATIVE",
            "Acute on chronic left subdural hematoma.                                 | POSITIVE",
            "Chronic right SDH with an acute component.                               | POSITIVE",
            "Chronic right SDH without acute component.                               | NEGATIVE",
            "Old left thalamic hemorrhage.                                            | NEGATIVE",
            "Encephalomalacia at the site of prior hemorrhage.                        | NEGATIVE",
            "Sequelae of remote subarachnoid hemorrhage.                              | NEGATIVE",
            "Stable small left subdural hematoma.                                     | POSITIVE",
            "Interval decrease of the known acute left SDH.                           | POSITIVE",
            "Resolving right parietal hematoma.                                       | POSITIVE",
            "Status post evacuation of left SDH. No residual hematoma.                | NEGATIVE",
            "Postoperative changes of right craniotomy.                               | NEGATIVE",
            "Residual right subdural hematoma with acute components after evacuation. | POSITIVE",
            "Left subdural hematoma, chronic in appearance.                           | NEGATIVE",
            "Compared to the prior study, the left subdural hematoma is larger.       | POSITIVE",
            "Subacute left subdural hematoma.                                         | POSITIVE",
            "History of SAH, no acute hemorrhage.                                     | NEGATIVE",
            "cSDH on the left, unchanged.                                             | NEGATIVE",
            "Chronic small vessel ischemic changes. Small acute left SDH.             | POSITIVE",
            "Bilateral chronic subdural hematomas, stable.                            | NEGATIVE"})
    void chronicity(String text, Hemorrhage expected) {
        assertEquals(expected, label(text), text);
    }

    @ParameterizedTest(name = "[{index}] {0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "Likely small right subdural hematoma.                         | POSITIVE",
            "Probable small left frontal intraparenchymal hemorrhage.      | POSITIVE",
            "Possible small left subdural hematoma.                        | UNCERTAIN",
            "Small subarachnoid hemorrhage cannot be excluded.             | UNCERTAIN",
            "Cannot exclude subarachnoid hemorrhage.                       | UNCERTAIN",
            "Calcification versus small hemorrhage.                        | UNCERTAIN",
            "Findings suspicious for hemorrhagic transformation.           | UNCERTAIN",
            "Questionable thin tentorial SDH.                              | UNCERTAIN",
            "Large left parietal scalp hematoma.                           | NEGATIVE",
            "Blood in the right maxillary sinus.                           | NEGATIVE"})
    void uncertaintyLikelyAndExtracranial(String text, Hemorrhage expected) {
        assertEquals(expected, label(text), text);
    }

    @Test
    void subtypesAndSidesComeFromAffirmedMentions() {
        ReportLabel l = labeller.label("FINDINGS: Left SDH measuring 5 mm. Subarachnoid hemorrhage in the right sylvian fissure. "
                + "Possible small IVH. No epidural hematoma.\nIMPRESSION: Left subdural and right subarachnoid hemorrhage.");
        assertEquals(Hemorrhage.POSITIVE, l.hemorrhage());
        assertEquals("SDH:L;SAH:R", l.subtypeCodes());
        assertEquals("SDH:B", labeller.label("Right SDH. Left SDH.").subtypeCodes());
        assertEquals("IPH:B", labeller.label("Bifrontal hemorrhagic contusions.").subtypeCodes());
        assertEquals("IPH:L", labeller.label("Acute left frontal hematoma.").subtypeCodes());
        assertEquals("IVH:U", labeller.label("Blood layering in the occipital horns.").subtypeCodes());
        assertEquals("SDH:R", labeller.label("R SDH 6mm.").subtypeCodes());
        assertEquals("", labeller.label("Chronic left SDH.").subtypeCodes());
    }

    @Test
    void flagsEvidenceAndTrainingPolicy() {
        ReportLabel pos = labeller.label("FINDINGS: Postoperative changes of left craniotomy for SDH evacuation. "
                + "Residual left subdural hematoma with acute components.\nIMPRESSION: Residual acute left subdural hematoma.");
        assertEquals(Hemorrhage.POSITIVE, pos.hemorrhage());
        assertTrue(pos.acute());
        assertTrue(pos.chronic(), "the evacuated SDH is historical");
        assertTrue(pos.postoperative());
        assertEquals(List.of(new ReportLabel.Evidence("IMPRESSION", "Residual acute left subdural hematoma.")), pos.evidence());
        assertTrue(pos.usableForTraining());

        ReportLabel unc = labeller.label("IMPRESSION: Possible trace SAH.");
        assertEquals(Hemorrhage.UNCERTAIN, unc.hemorrhage());
        assertFalse(unc.usableForTraining());
        assertTrue(unc.usableForTraining(true));

        ReportLabel normal = labeller.label("EXAM: CT HEAD\nFINDINGS: Normal brain.\nIMPRESSION: Normal CT head.");
        assertEquals(Hemorrhage.NEGATIVE, normal.hemorrhage());
        assertTrue(normal.usableForTraining());
        assertEquals(Hemorrhage.NEGATIVE, labeller.label("").hemorrhage());
        assertEquals(Hemorrhage.NEGATIVE, labeller.label(null).hemorrhage());
    }

    @Test
    void jsonHasStableFieldOrderAndEscapes() {
        ReportLabel l = new ReportLabel(Hemorrhage.POSITIVE,
                List.of(new ReportLabel.SubtypeFinding(Subtype.SUBARACHNOID, Side.UNSPECIFIED),
                        new ReportLabel.SubtypeFinding(Subtype.SUBDURAL, Side.LEFT)),
                true, false, false, List.of(new ReportLabel.Evidence("IMPRESSION", "Left \"SDH\"\\ 5 mm\n")));
        assertEquals("{\"hemorrhage\":\"POSITIVE\",\"subtypes\":[{\"type\":\"SUBDURAL\",\"side\":\"LEFT\"},"
                + "{\"type\":\"SUBARACHNOID\",\"side\":\"UNSPECIFIED\"}],\"acute\":true,\"chronic\":false,"
                + "\"postoperative\":false,\"usableForTraining\":true,"
                + "\"evidence\":[{\"section\":\"IMPRESSION\",\"sentence\":\"Left \\\"SDH\\\"\\\\ 5 mm\\n\"}]}", l.toJson());
    }
}
