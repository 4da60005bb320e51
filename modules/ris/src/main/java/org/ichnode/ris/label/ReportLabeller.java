package org.ichnode.ris.label;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Rule-based labeller of head CT report text for intracranial hemorrhage (ICH), in the spirit of NegEx / ConText and
 * the CheXpert labeller. Thread-safe and stateless; plain Java.
 *
 * <h2>Pipeline</h2>
 * <ol>
 * <li><b>Sections.</b> Lines starting with a known heading ({@code FINDINGS:}, {@code IMPRESSION:} ...) open a
 * section. EXAM / CLINICAL HISTORY / INDICATION / REASON / COMPARISON / TECHNIQUE sections are <i>ignored</i> ("r/o
 * bleed", "history of SAH" never make a report positive). FINDINGS (and text before any heading) is tier 1,
 * IMPRESSION / CONCLUSION / ASSESSMENT / SUMMARY tier 2, ADDENDUM tier 3. Unknown headings ("Brain:", "Bones:") stay in
 * the current section.</li>
 * <li><b>Sentences.</b> Split on . ! ? followed by space (not after "Dr.", "vs." ...), on line breaks (a line that
 * starts in lower case continues the previous one), bullets and numbered items; ";" ends trigger scopes.</li>
 * <li><b>Mentions.</b> Vocabulary: hemorrhage / haemorrhage (and common misspellings), hematoma, bleed, blood
 * (products), ICH, SDH, EDH, SAH, IPH, IVH, the compartment phrases (subdural hematoma, intraventricular extension,
 * "extension into the third ventricle" ...), hemorrhagic contusion / transformation / conversion / metastasis,
 * contusion, petechial hemorrhage, and subdural / epidural / extra-axial collections when described as hyperdense,
 * high density, mixed density or acute (a collection of indeterminate density is not a mention; a chronic one is a
 * chronic mention). Not mentions: "non-hemorrhagic", "pseudo-SAH", "blood pressure/vessel/flow/thinners",
 * extracranial blood (scalp, subgaleal, periorbital, preseptal, soft tissue, sinus, nasal, mastoid), hyperdense MCA,
 * calcification, dense falx, artifact.</li>
 * <li><b>Context of each mention</b>, with scopes that end at the sentence end, ";", "but", "however", "although",
 * "except", "aside from", "other than", "which", "while", "from", "due to", "with", "consistent/compatible with",
 * "there is/are" and "and" followed by a determiner or adjective; commas and "or"/"nor" continue a list
 * ("no hydrocephalus, mass effect, or hemorrhage"):
 * <ul>
 * <li>negation before the mention: no, not, without, negative for, free of, no (CT) evidence of, no signs of, no
 * definite, absence of, rather than, instead of, mimicking, resolution of, resolved, rules out; after it: is not
 * seen / identified / visualized / appreciated, no longer seen, has resolved, absent, none, unlikely, ruled out.
 * Pseudo-negations are skipped: "no (significant) (interval) change", "not significantly changed", "no increase",
 * "partially / nearly resolved".</li>
 * <li>uncertainty before: possible, possibly, questionable, question of, "?", may / might / could represent (reflect,
 * be), suspicious / concerning / worrisome for, suspected, equivocal (for), indeterminate, cannot exclude, can't
 * exclude, cannot rule out, differential includes, suggestive of, less likely; after: cannot be excluded, not
 * excluded, is possible, is a consideration. A mention in a clause with "versus" / "vs" is uncertain.</li>
 * <li>hypothetical (ignored): evaluate for, assess for, rule out, r/o, to exclude.</li>
 * <li>chronicity: old, chronic, remote, prior / previous (not "prior study"), history of, sequela(e) of, status
 * post / s/p, evacuation of (within the clause before the mention); "X evacuation", "appears chronic" after it;
 * "cSDH". An acute cue in the same sentence (acute, hyperacute, acute on chronic, acute component, hyperdense, new,
 * fresh, active; not after "no" / "without") overrides chronicity.</li>
 * </ul>
 * When both a negation and an uncertainty trigger reach a mention, the nearer one wins.</li>
 * </ol>
 *
 * <h2>Decision rules (the project's labelling conventions)</h2>
 * <ul>
 * <li>Each mention is NEGATED, HYPOTHETICAL (ignored), CHRONIC, UNCERTAIN or AFFIRMED, tested in that order.</li>
 * <li><b>Impression over findings:</b> the highest tier section that mentions hemorrhage decides (addendum &gt;
 * impression &gt; findings). Generic normal statements in that section ("no acute intracranial abnormality",
 * "negative head CT", "normal CT head") count as negative mentions.</li>
 * <li>In the deciding tier: any AFFIRMED mention → POSITIVE; else any UNCERTAIN → UNCERTAIN; else NEGATIVE. A report
 * that never mentions hemorrhage (normal head CT, stroke workup without ICH) is NEGATIVE.</li>
 * <li><b>likely / probable / probably / most likely / favored / presumed / consistent with / compatible with</b> are
 * treated as affirmation (POSITIVE): radiologists use them for findings they act on. <b>possible, cannot exclude,
 * suspicious for, concerning for, equivocal, X versus Y</b> are UNCERTAIN. <b>"no definite"</b> and <b>"unlikely"</b>
 * are negation (NEGATIVE); <b>"less likely"</b> is UNCERTAIN.</li>
 * <li><b>Chronic-only blood is NEGATIVE</b> (what acute-ICH training wants) with {@code chronic = true}: chronic SDH,
 * old / remote / prior hemorrhage, sequelae / encephalomalacia of prior hemorrhage, "status post evacuation of SDH".
 * <b>Acute on chronic</b> and chronic with an acute component are POSITIVE.</li>
 * <li><b>Stable, unchanged, decreasing, smaller, resolving, evolving, subacute, residual, partially resolved</b> blood
 * is POSITIVE (blood is still present, e.g. "interval decrease of the known acute SDH", "stable small SDH").
 * <b>Resolved, no longer seen, resolution of</b> are negation.</li>
 * <li><b>Postoperative:</b> "postoperative changes" alone do not make a report positive (flag only); residual or new
 * blood after surgery ("residual SDH with acute components") is POSITIVE with {@code postoperative = true}.</li>
 * <li><b>Subtypes</b> come only from AFFIRMED mentions: those of the deciding tier plus those of lower tiers whose
 * subtype the deciding tier does not negate or hedge. Generic mentions take the subtype of the nearest compartment
 * cue in the sentence (subdural / tentorium / falx → SDH; epidural / biconvex → EDH; sulci / sylvian / cisterns →
 * SAH; ventricle / occipital horn → IVH; basal ganglia / thalamus / cerebellar / pons / lobe → IPH) or IPH when a lobe
 * adjective precedes a hematoma / hemorrhage ("left frontal hematoma"). Side: left / right / L / R / lt / rt in the
 * mention's phrase (before it up to a comma, "and", "with"; after it up to "with", ";" or the next mention);
 * bilateral / both / bifrontal ... = BILATERAL; left and right statements of one subtype merge to BILATERAL, a stated
 * side beats UNSPECIFIED.</li>
 * <li>{@code usableForTraining()} is false for UNCERTAIN (by default).</li>
 * </ul>
 */
public final class ReportLabeller {

    // ------------------------------------------------------------------------------------------------ sections

    enum Tier { IGNORED, FINDINGS, IMPRESSION, ADDENDUM }

    record Section(String name, Tier tier, List<String> sentences) {
    }

    private static final Map<String, Tier> HEADINGS = new java.util.HashMap<>();

    static {
        for (String h : List.of("exam", "examination", "exam type", "study", "procedure", "technique", "comparison",
                "comparisons", "comparison study", "history", "clinical history", "hx", "clinical", "clinical information",
                "clinical info", "clinical indication", "clinical indications", "clinical details", "clinical data",
                "clinical question", "indication", "indications", "reason for exam", "reason for examination",
                "reason for study", "reason for request", "reason", "protocol", "dose", "contrast", "medical history",
                "history and indication", "indication and history", "ct head", "prior", "priors", "order", "referral"))
            HEADINGS.put(h, Tier.IGNORED);
        for (String h : List.of("findings", "finding", "report", "body", "description", "discussion"))
            HEADINGS.put(h, Tier.FINDINGS);
        for (String h : List.of("impression", "impressions", "conclusion", "conclusions", "assessment", "summary",
                "opinion", "interpretation", "diagnosis", "result", "results", "final impression"))
            HEADINGS.put(h, Tier.IMPRESSION);
        HEADINGS.put("addendum", Tier.ADDENDUM);
    }

    private static final Pattern HEADING_LINE = Pattern.compile("^\\s*([A-Za-z][A-Za-z /&]{0,40}?)\\s*(?::|$)\\s*(.*)$");

    static List<Section> sections(String text) {
        List<Section> out = new ArrayList<>();
        String name = "BODY";
        Tier tier = Tier.FINDINGS;
        StringBuilder buf = new StringBuilder();
        for (String line : text.replace("\r\n", "\n").replace('\r', '\n').split("\n")) {
            Matcher m = HEADING_LINE.matcher(line);
            if (m.matches()) {
                String key = m.group(1).trim().toLowerCase(Locale.ROOT).replaceAll("\\s+", " ");
                Tier t = HEADINGS.get(key);
                boolean colon = line.contains(":");
                if (t != null && (colon || m.group(2).isEmpty())) {
                    flush(out, name, tier, buf);
                    name = key.toUpperCase(Locale.ROOT);
                    tier = t;
                    buf.setLength(0);
                    line = m.group(2);
                }
            }
            buf.append(line).append('\n');
        }
        flush(out, name, tier, buf);
        return out;
    }

    private static void flush(List<Section> out, String name, Tier tier, StringBuilder buf) {
        List<String> s = sentences(buf.toString());
        if (!s.isEmpty()) out.add(new Section(name, tier, s));
    }

    private static final Pattern BULLET = Pattern.compile("^\\s*(?:[-*\u2022]|\\d{1,2}[.)])\\s+");
    private static final Set<String> ABBREV = Set.of("dr", "vs", "approx", "cf", "e.g", "i.e", "mr", "mrs", "ms", "st",
            "fig", "etc", "incl", "resp");

    /**
     * Longest sentence the rules look at; longer runs of text without a full stop (pasted tables, dictation without
     * punctuation) are cut at a space before it. Every rule looks at most a few dozen characters around a mention, so
     * the cut changes no label of a real sentence, and it keeps the labeller linear in the report's length.
     */
    static final int MAX_SENTENCE = 1000;

    static List<String> sentences(String sectionText) {
        // join wrapped lines, one logical line per item
        List<StringBuilder> lines = new ArrayList<>();
        for (String raw : sectionText.split("\n")) {
            String line = raw.strip();
            if (line.isEmpty()) {
                lines.add(new StringBuilder());
                continue;
            }
            boolean bullet = BULLET.matcher(line).find();
            line = BULLET.matcher(line).replaceFirst("");
            StringBuilder last = lines.isEmpty() ? null : lines.get(lines.size() - 1);
            if (!bullet && last != null && last.length() > 0 && Character.isLowerCase(line.charAt(0))
                    && ".:;!?".indexOf(last.charAt(last.length() - 1)) < 0) {
                last.append(' ').append(line);
            } else {
                lines.add(new StringBuilder(line));
            }
        }
        List<String> out = new ArrayList<>();
        for (StringBuilder b : lines) {
            String line = b.toString();
            if (line.isBlank()) continue;
            int start = 0;
            for (int i = 0; i < line.length(); i++) {
                char c = line.charAt(i);
                if ((c == '.' || c == '!' || c == '?') && i + 1 < line.length() && Character.isWhitespace(line.charAt(i + 1))
                        && i > start) {
                    if (c == '?' && Character.isWhitespace(line.charAt(i - 1))) continue; // "? small SAH"
                    if (c == '?' && i == start) continue;
                    if (c == '.') {
                        int w = i;
                        while (w > start && (Character.isLetter(line.charAt(w - 1)) || line.charAt(w - 1) == '.')) w--;
                        String word = line.substring(w, i).toLowerCase(Locale.ROOT);
                        if (ABBREV.contains(word)) continue;
                    }
                    add(out, line.substring(start, i + 1));
                    start = i + 1;
                }
            }
            add(out, line.substring(start));
        }
        return out;
    }

    private static void add(List<String> out, String s) {
        s = s.strip();
        while (s.length() > MAX_SENTENCE) { // cut at the last space before the limit (or at the limit)
            int cut = s.lastIndexOf(' ', MAX_SENTENCE);
            if (cut < MAX_SENTENCE / 2) cut = MAX_SENTENCE;
            String head = s.substring(0, cut).strip();
            if (!head.isEmpty() && head.chars().anyMatch(Character::isLetter)) out.add(head);
            s = s.substring(cut).strip();
        }
        if (!s.isEmpty() && s.chars().anyMatch(Character::isLetter)) out.add(s);
    }

    // ------------------------------------------------------------------------------------------------ vocabulary

    private static final String HEM = "h(?:ae|e)m+or+h?ag(?:e|es|ic)";
    private static final String HEMA = "h(?:ae|e)m[ao]tomas?";
    private static final String BLOODY = "(?:" + HEM + "|" + HEMA + "|bleed(?:ing|s)?|blood(?:\\s+products)?)";

    enum Kind { SPECIFIC, GENERIC, COLLECTION, CONTUSION }

    record Vocab(Pattern pattern, Subtype subtype, Kind kind) {
    }

    private static Vocab v(String regex, Subtype s, Kind k) {
        return new Vocab(Pattern.compile(regex, Pattern.CASE_INSENSITIVE), s, k);
    }

    /** Ordered: earlier (more specific) patterns claim their span first. */
    private static final List<Vocab> VOCAB = List.of(
            v("\\b(?:epidural|extra-?dural)\\s+" + BLOODY, Subtype.EPIDURAL, Kind.SPECIFIC),
            v("\\bsubdural\\s+" + BLOODY, Subtype.SUBDURAL, Kind.SPECIFIC),
            v("\\bsubarachnoid\\s+" + BLOODY, Subtype.SUBARACHNOID, Kind.SPECIFIC),
            v("\\bintra-?ventricular\\s+(?:" + BLOODY + "|extension)", Subtype.INTRAVENTRICULAR, Kind.SPECIFIC),
            v("\\b(?:intra-?parenchymal|parenchymal|intracerebral|intra-axial|lobar)\\s+" + BLOODY, Subtype.INTRAPARENCHYMAL, Kind.SPECIFIC),
            v("\\b(?:intra)?ventricular\\s+extension\\b", Subtype.INTRAVENTRICULAR, Kind.SPECIFIC),
            v("\\b(?:extension|extending|extends|reflux|rupture|rupturing)\\s+into\\s+the\\s+(?:[a-z]+\\s+){0,3}ventricles?\\b", Subtype.INTRAVENTRICULAR, Kind.SPECIFIC),
            v("\\bpetechial\\s+" + HEM + "s?\\b", Subtype.INTRAPARENCHYMAL, Kind.SPECIFIC),
            v("\\b" + HEM + "\\s+(?:contusions?|transformation|conversion|metastas[ie]s|infarcts?|infarction|lesions?|shear(?:\\s+injury)?|foci|focus)\\b", Subtype.INTRAPARENCHYMAL, Kind.SPECIFIC),
            v("\\bEDHs?\\b", Subtype.EPIDURAL, Kind.SPECIFIC),
            v("\\b[ac]?SDHs?\\b", Subtype.SUBDURAL, Kind.SPECIFIC),
            v("\\b[at]?SAH\\b", Subtype.SUBARACHNOID, Kind.SPECIFIC),
            v("\\bIPH\\b", Subtype.INTRAPARENCHYMAL, Kind.SPECIFIC),
            v("\\bIVH\\b", Subtype.INTRAVENTRICULAR, Kind.SPECIFIC),
            v("\\bsubdural\\s+(?:fluid\\s+)?collections?\\b", Subtype.SUBDURAL, Kind.COLLECTION),
            v("\\b(?:epidural|extra-?dural)\\s+(?:fluid\\s+)?collections?\\b", Subtype.EPIDURAL, Kind.COLLECTION),
            v("\\bextra-?axial\\s+(?:fluid\\s+)?collections?\\b", null, Kind.COLLECTION),
            v("\\bcontusions?\\b", Subtype.INTRAPARENCHYMAL, Kind.CONTUSION),
            v("\\bICH\\b", null, Kind.GENERIC),
            v("\\b" + HEM + "\\b", null, Kind.GENERIC),
            v("\\b" + HEMA + "\\b", null, Kind.GENERIC),
            v("\\b(?:re-?)?bleed(?:ing|s)?\\b", null, Kind.GENERIC),
            v("\\bblood(?:\\s+products)?\\b", null, Kind.GENERIC));

    private static final Pattern COLLECTION_BLOOD_CUE = Pattern.compile(
            "\\b(?:hyperdense|hyperdensity|high[- ]density|high[- ]attenuation|hyperattenuating|acute|mixed[- ]density|chronic)\\b");
    private static final Pattern NOT_BLOOD_AFTER = Pattern.compile(
            "^[\\s-]*(?:pressure|vessels?|flow|pool|sugar|glucose|thinners?|brain|supply|loss|transfusions?|cultures?|count|levels?|work)\\b");
    private static final Pattern EXTRACRANIAL_BEFORE = Pattern.compile(
            "\\b(?:scalp|subgaleal|soft[- ]tissues?|periorbital|orbital|orbits?|preseptal|postseptal|facial|face|forehead|cephal\\w*|subcutaneous|extracranial|sinus(?:es)?|nasal|mastoid|retrobulbar|subperiosteal|cheek|lip|neck)\\b");
    private static final Pattern EXTRACRANIAL_AFTER = Pattern.compile(
            "^\\s*(?:(?:of|in|within|into|involving|along|layering in)\\s+the\\s+(?:[a-z]+\\s+){0,2}(?:scalp|orbits?|orbital|sinus(?:es)?|nasal|soft tissues?|mastoids?|nose|face)\\b|overlying\\s+the\\b)");

    // ------------------------------------------------------------------------------------------------ triggers

    enum T { PSEUDO, NEG, UNC, HYPO, TERM }

    record Trig(Pattern p, T kind, boolean pre, boolean post) {
    }

    private static Trig pre(T k, String re) {
        return new Trig(Pattern.compile(re), k, true, false);
    }

    private static Trig post(T k, String re) {
        return new Trig(Pattern.compile(re), k, false, true);
    }

    private static Trig both(T k, String re) {
        return new Trig(Pattern.compile(re), k, true, true);
    }

    private static final String SEEN = "(?:seen|identified|visuali[sz]ed|demonstrated|present|appreciated|evident|detected|noted|observed|apparent|shown|visible)";

    private static final List<Trig> TRIGGERS = List.of(
            // pseudo-negations: matched so that their "no"/"not" does not negate
            pre(T.PSEUDO, "\\b(?:no|without)\\s+(?:significant\\s+|definite\\s+|appreciable\\s+|substantial\\s+)?(?:interval\\s+)?(?:change|increase|enlargement|growth|progression|difference)\\b"),
            pre(T.PSEUDO, "\\bnot\\s+(?:significantly\\s+|substantially\\s+)?(?:changed|increased|enlarged)\\b"),
            pre(T.PSEUDO, "\\b(?:partially|partly|incompletely|nearly|almost|near[- ]completely|not\\s+completely|not\\s+fully)\\s+resolved\\b"),
            pre(T.PSEUDO, "\\b(?:partial|incomplete|near[- ]complete|nearly\\s+complete|ongoing)\\s+resolution\\b"),
            pre(T.PSEUDO, "\\bnot\\s+only\\b|\\bno\\s+further\\b|\\bnot\\s+clear(?:ly)?\\s+(?:whether|if)\\b"),
            // uncertainty
            pre(T.UNC, "\\b(?:cannot|can ?not|can't|could not|unable to)\\s+(?:entirely\\s+|completely\\s+|definitively\\s+)?(?:exclude|rule out)\\b"),
            both(T.UNC, "\\b(?:cannot|can ?not|can't|could not)\\s+be\\s+(?:entirely\\s+|completely\\s+|definitively\\s+)?(?:excluded|ruled out)\\b"),
            post(T.UNC, "\\b(?:is|are)?\\s*not\\s+(?:entirely\\s+|completely\\s+|definitely\\s+)?(?:excluded|ruled out)\\b"),
            post(T.UNC, "\\b(?:is|are)\\s+(?:also\\s+)?(?:possible|questionable|a consideration|considered|not excluded|suspected|equivocal)\\b"),
            pre(T.UNC, "\\b(?:possible|possibly|questionable|questionably|question of|query|suspected|suspect|suspicious for|suspicion for|concerning for|concern for|worrisome for|equivocal(?: for)?|indeterminate|uncertain|may|might|could|differential(?: diagnosis)?(?: includes| considerations? include)?|suggestive of|suggests|suggesting|raises? the possibility of|less likely|versus|vs\\.?)\\b"),
            pre(T.UNC, "(?:^|\\s)\\?\\s*(?=\\w)"),
            // hypothetical
            pre(T.HYPO, "\\b(?:evaluate for|evaluation for|evaluate|assess for|to assess|rule out|r/o|to exclude|exclude|screen for|check for|monitor for|in case of|if there is)\\b"),
            // negation
            post(T.NEG, "\\b(?:is|are|was|were)?\\s*(?:not|no longer)\\s+(?:clearly\\s+|definitely\\s+|well\\s+|convincingly\\s+|definitively\\s+|again\\s+|currently\\s+)?" + SEEN + "\\b"),
            post(T.NEG, "\\b(?:has|have|had)\\s+(?:since\\s+|now\\s+|completely\\s+|entirely\\s+|fully\\s+)*resolved\\b"),
            post(T.NEG, "\\b(?:is|are)?\\s*(?:absent|none)\\b|\\bruled out\\b|\\b(?:is|are|was)\\s+excluded\\b|\\bno longer\\b|\\bgone\\b|\\bnegative\\b"),
            both(T.NEG, "\\b(?:unlikely|resolved|has cleared|cleared)\\b"),
            pre(T.NEG, "\\b(?:no|not|without|negative for|free of|no (?:ct |radiographic |imaging )?evidence (?:of|for)|no (?:definite |convincing |obvious |significant |appreciable |acute |new )?(?:signs?|findings?) (?:of|to suggest)|no definite|no convincing|no obvious|absence of|absent|rather than|instead of|mimick?(?:ing|s)?|simulating|resolution of|interval resolution of|rules? out|nor|neither|never|free from|lack of|no longer)\\b"),
            // scope terminators
            pre(T.TERM, "\\b(?:but|however|although|though|yet|except|aside from|apart from|other than|besides|with the exception of|which|that is|while|whereas|from|due to|secondary to|related to|caused by|with|consistent with|compatible with|there (?:is|are|has been|have been)|and (?:the|there|a|an|this|these|stable|unchanged|small|tiny|moderate|large|interval|left|right|bilateral|acute|new|persistent|residual|scattered|mild|trace)|otherwise|also)\\b|;"));

    record Span(int start, int end, T kind, boolean pre, boolean post) {
    }

    static List<Span> triggers(String lower) {
        List<Span> all = new ArrayList<>();
        for (Trig t : TRIGGERS) {
            Matcher m = t.p().matcher(lower);
            while (m.find()) {
                if (m.end() > m.start()) all.add(new Span(m.start(), m.end(), t.kind(), t.pre(), t.post()));
            }
        }
        // longest wins; on equal length, earlier list entry (already in order) wins
        all.sort((a, b) -> {
            int la = a.end - a.start, lb = b.end - b.start;
            return lb - la;
        });
        List<Span> kept = new ArrayList<>();
        for (Span s : all) {
            boolean overlaps = false;
            for (Span k : kept) {
                if (s.start < k.end && k.start < s.end) {
                    overlaps = true;
                    break;
                }
            }
            if (!overlaps) kept.add(s);
        }
        kept.sort((a, b) -> a.start - b.start);
        return kept;
    }

    // ------------------------------------------------------------------------------------------------ mentions

    enum Status { NEGATED, HYPOTHETICAL, CHRONIC, UNCERTAIN, AFFIRMED }

    record Mention(Section section, String sentence, int start, int end, Subtype subtype, Side side, Status status,
                   boolean generic) {
    }

    private static final Pattern CHRONIC_BEFORE = Pattern.compile(
            "\\b(?:old|chronic|remote|healed|(?:prior|previous)(?!\\s*(?:study|studies|exam|examination|ct|cts|scan|scans|imaging|mri|head|one|,|\\.|\\)|comparison|date))|history of|hx of|h/o|sequelae? (?:of|from)|residua of|status post|s/p|evacuation of|evacuated|post[- ]?evacuation|drainage of|drained)\\b");
    private static final Pattern CHRONIC_AFTER = Pattern.compile(
            "^\\s*(?:(?:s/p\\s+)?(?:evacuation|drainage)\\b|.{0,40}?\\b(?:is|are|appears?|appearing|likely|probably|most likely|which is|which are|that is|in keeping with)\\s+(?:chronic|old|remote)\\b|.{0,20}?\\bchronic(?:[- ]appearing| in (?:appearance|nature))\\b|.{0,40}?\\b(?:in the past|years ago|from (?:19|20)\\d\\d)\\b)");
    private static final Pattern ACUTE_CUE = Pattern.compile(
            "\\b(?:acute|hyperacute|acute[- ]on[- ]chronic|hyperdense|hyperdensity|high[- ]density|new|fresh|active|actively)\\b");
    private static final Pattern ACUTE_NEGATED = Pattern.compile("\\b(?:no|without|not|nor|or)\\s+(?:\\w+\\s+)?$");
    private static final Pattern VERSUS = Pattern.compile("\\b(?:versus|vs\\.?)(?=\\s)");
    private static final Pattern GENERIC_NORMAL = Pattern.compile(
            "^(?:no acute (?:intracranial |traumatic intracranial |traumatic )?(?:abnormality|abnormalities|process|processes|findings?|injury|pathology|disease)"
                    + "|(?:negative|normal|unremarkable)(?: noncontrast| non-contrast| unenhanced)?(?: head ct| ct(?: of the)? head| ct(?: of the)? brain| ct| study| exam(?:ination)?)?"
                    + "|neg)\\b[^;]*$");

    private static final Pattern SIDE = Pattern.compile(
            "\\b(left|right|lt|rt|bilateral|bilaterally|bilat|both|bifrontal|biparietal|bitemporal|bioccipital|bihemispheric|biconvexity)\\b");
    private static final Pattern SIDE_LR_UPPER = Pattern.compile("(?<![A-Za-z])([LR])(?![A-Za-z])");
    private static final Pattern SIDE_STOP_BEFORE = Pattern.compile(",|;|:|\\b(?:and|with|or|but|which|while)\\b");
    private static final Pattern SIDE_STOP_AFTER = Pattern.compile(";|\\b(?:with|but|which|while|whereas|consistent with|compatible with)\\b");

    private record Cue(Pattern p, Subtype s) {
    }

    private static final List<Cue> CUES = List.of(
            new Cue(Pattern.compile("\\b(?:epidural|extradural|extra-dural|biconvex|lentiform)\\b"), Subtype.EPIDURAL),
            new Cue(Pattern.compile("\\b(?:subdural|tentorium|tentorial|falx|falcine|parafalcine|crescentic)\\b"), Subtype.SUBDURAL),
            new Cue(Pattern.compile("\\b(?:subarachnoid|sulci|sulcus|sulcal|sylvian|cisterns?|cisternal|interpeduncular|perimesencephalic|suprasellar|interhemispheric fissure|ambient)\\b"), Subtype.SUBARACHNOID),
            new Cue(Pattern.compile("\\b(?:intraventricular|ventricles?|ventricular|occipital horns?|temporal horns?|frontal horns?|atri(?:um|a))\\b"), Subtype.INTRAVENTRICULAR),
            new Cue(Pattern.compile("\\b(?:intraparenchymal|parenchymal|parenchyma|intracerebral|lobar|lobes?|basal ganglia|thalamus|thalami|thalamic|putamen|putaminal|caudate|capsule|capsular|cerebellar|cerebellum|vermis|vermian|pontine|pons|brainstem|midbrain|medulla|white matter|gray-white|grey-white|corpus callosum|cortex|cortical|hemispheres?)\\b"), Subtype.INTRAPARENCHYMAL));
    private static final Pattern LOBE_ADJ = Pattern.compile(
            "\\b(?:frontal|parietal|temporal|occipital|frontoparietal|parietooccipital|parieto-occipital|temporoparietal|temporo-parietal|frontotemporal|temporooccipital|insular)\\s+(?:[a-z]+\\s+)?$");

    List<Mention> mentions(Section section, String sentence) {
        String lower = sentence.toLowerCase(Locale.ROOT);
        List<int[]> claimed = new ArrayList<>();
        List<Mention> out = new ArrayList<>();
        List<Span> trig = triggers(lower);
        record Raw(int start, int end, Vocab v) {
        }
        List<Raw> raws = new ArrayList<>();
        for (Vocab voc : VOCAB) {
            Matcher m = voc.pattern().matcher(sentence);
            while (m.find()) {
                int s = m.start(), e = m.end();
                boolean overlap = false;
                for (int[] c : claimed) if (s < c[1] && c[0] < e) overlap = true;
                if (overlap) continue;
                claimed.add(new int[]{s, e});
                raws.add(new Raw(s, e, voc));
            }
        }
        raws.sort((a, b) -> a.start - b.start);
        for (int i = 0; i < raws.size(); i++) {
            Raw r = raws.get(i);
            String before = lower.substring(0, r.start);
            String after = lower.substring(r.end);
            if (before.matches("(?s).*\\b(?:non|pseudo)[- ]?$")) continue;
            if (r.v.pattern().pattern().contains("blood") && r.v.kind() == Kind.GENERIC && NOT_BLOOD_AFTER.matcher(after).find())
                continue;
            if (r.v.kind() == Kind.COLLECTION && !COLLECTION_BLOOD_CUE.matcher(lower).find()) continue;
            boolean generic = r.v.kind() == Kind.GENERIC || r.v.kind() == Kind.CONTUSION;
            if (generic) {
                int from = Math.max(0, r.start - 35);
                int prevEnd = i > 0 ? raws.get(i - 1).end : 0;
                from = Math.max(from, prevEnd);
                String pre = lower.substring(from, r.start);
                Matcher stop = Pattern.compile(",|;|\\b(?:with|and|but)\\b").matcher(pre);
                int cut = 0;
                while (stop.find()) cut = stop.end();
                pre = pre.substring(cut);
                if (EXTRACRANIAL_BEFORE.matcher(pre).find() || EXTRACRANIAL_AFTER.matcher(after).find()) continue;
            }
            Status status = status(lower, r.start, r.end, trig, sentence.substring(r.start, r.end));
            Subtype st = r.v.subtype();
            if (r.v.kind() == Kind.GENERIC) st = cueSubtype(lower, r.start, r.end, raws.stream().map(x -> new int[]{x.start, x.end}).toList());
            Side side = side(sentence, lower, r.start, r.end, i > 0 ? raws.get(i - 1).end : 0,
                    i + 1 < raws.size() ? raws.get(i + 1).start : sentence.length());
            out.add(new Mention(section, sentence, r.start, r.end, st, side, status, st == null));
        }
        return out;
    }

    private static Status status(String lower, int ms, int me, List<Span> trig, String mentionText) {
        int negDist = Integer.MAX_VALUE, uncDist = Integer.MAX_VALUE;
        boolean hypo = false;
        for (Span t : trig) {
            if (t.kind == T.TERM || t.kind == T.PSEUDO) continue;
            int dist = -1;
            if (t.pre && t.end <= ms && !terminated(trig, t.end, ms, false, lower)) dist = ms - t.end;
            if (t.post && t.start >= me && t.start - me <= 80 && !terminated(trig, me, t.start, true, lower)) {
                int d = t.start - me;
                dist = dist < 0 ? d : Math.min(dist, d);
            }
            if (dist < 0) continue;
            switch (t.kind) {
                case NEG -> negDist = Math.min(negDist, dist);
                case UNC -> uncDist = Math.min(uncDist, dist);
                case HYPO -> hypo = true;
                default -> {
                }
            }
        }
        if (negDist < Integer.MAX_VALUE && negDist <= uncDist) return Status.NEGATED;
        if (hypo && uncDist == Integer.MAX_VALUE) return Status.HYPOTHETICAL;
        if (isChronic(lower, ms, me, trig, mentionText) && !hasAcuteCue(lower)) return Status.CHRONIC;
        if (uncDist < Integer.MAX_VALUE) return Status.UNCERTAIN;
        if (inVersusClause(lower, ms, me)) return Status.UNCERTAIN;
        return Status.AFFIRMED;
    }

    /** Whether a terminator lies between from and to (commas terminate only backward, post-trigger scopes). */
    private static boolean terminated(List<Span> trig, int from, int to, boolean commaTerminates, String lower) {
        for (Span t : trig) if (t.kind == T.TERM && t.start >= from && t.end <= to) return true;
        if (commaTerminates && lower.substring(from, to).contains(",")) return true;
        return false;
    }

    private static boolean isChronic(String lower, int ms, int me, List<Span> trig, String mentionText) {
        if (mentionText.toLowerCase(Locale.ROOT).startsWith("csdh")) return true;
        int from = Math.max(0, ms - 45);
        String pre = lower.substring(from, ms);
        Matcher m = CHRONIC_BEFORE.matcher(pre);
        while (m.find()) {
            if (!terminated(trig, from + m.end(), ms, false, lower)) return true;
        }
        String after = lower.substring(me);
        Matcher a = CHRONIC_AFTER.matcher(after);
        if (a.find()) {
            return !after.substring(0, a.end()).contains(",") || after.substring(0, a.end()).matches("(?s)^,?\\s*(?:likely|probably)?\\s*chronic.*");
        }
        return false;
    }

    private static boolean hasAcuteCue(String lower) {
        Matcher m = ACUTE_CUE.matcher(lower);
        while (m.find()) {
            String before = lower.substring(Math.max(0, m.start() - 25), m.start());
            if (!ACUTE_NEGATED.matcher(before).find()) return true;
        }
        return false;
    }

    private static boolean inVersusClause(String lower, int ms, int me) {
        int s = ms, e = me;
        while (s > 0 && ",;".indexOf(lower.charAt(s - 1)) < 0) s--;
        while (e < lower.length() && ",;".indexOf(lower.charAt(e)) < 0) e++;
        return VERSUS.matcher(lower.substring(s, e)).find();
    }

    private static Subtype cueSubtype(String lower, int ms, int me, List<int[]> mentionSpans) {
        Subtype best = null;
        int bestDist = Integer.MAX_VALUE;
        for (Cue c : CUES) {
            Matcher m = c.p().matcher(lower);
            while (m.find()) {
                boolean inOther = false;
                for (int[] sp : mentionSpans) if (m.start() >= sp[0] && m.end() <= sp[1] && !(sp[0] == ms && sp[1] == me)) inOther = true;
                if (inOther) continue;
                int d;
                if (m.end() <= ms) {
                    d = ms - m.end();
                    if (d > 40) continue;
                } else if (m.start() >= me) {
                    d = m.start() - me;
                    if (d > 60) continue;
                    // a cue after the mention must not lie beyond a sentence-internal clause break
                    if (lower.substring(me, m.start()).matches("(?s).*(?:;|\\bbut\\b|\\bwhich\\b|\\bwhile\\b).*")) continue;
                } else continue;
                if (d < bestDist) {
                    bestDist = d;
                    best = c.s();
                }
            }
        }
        if (best == null) {
            String word = lower.substring(ms, me);
            if (!word.startsWith("blood") && LOBE_ADJ.matcher(lower.substring(Math.max(0, ms - 30), ms)).find())
                best = Subtype.INTRAPARENCHYMAL;
        }
        return best;
    }

    private static Side side(String sentence, String lower, int ms, int me, int prevEnd, int nextStart) {
        // before: back to the previous mention or a phrase break, at most 45 characters
        int from = Math.max(prevEnd, Math.max(0, ms - 45));
        String pre = lower.substring(from, ms);
        Matcher stop = SIDE_STOP_BEFORE.matcher(pre);
        int cut = 0;
        while (stop.find()) cut = stop.end();
        int bStart = from + cut;
        // after: up to the next mention, ";", "with" ..., at most 70 characters
        int to = Math.min(nextStart, Math.min(lower.length(), me + 70));
        String post = lower.substring(me, to);
        Matcher st2 = SIDE_STOP_AFTER.matcher(post);
        int aEnd = to;
        if (st2.find()) aEnd = me + st2.start();
        Side side = Side.UNSPECIFIED;
        side = side.merge(sidesIn(sentence.substring(bStart, ms), lower.substring(bStart, ms)));
        side = side.merge(sidesIn(sentence.substring(me, aEnd), lower.substring(me, aEnd)));
        return side;
    }

    private static Side sidesIn(String orig, String lower) {
        Side s = Side.UNSPECIFIED;
        Matcher m = SIDE.matcher(lower);
        while (m.find()) {
            String w = m.group(1);
            s = s.merge(switch (w) {
                case "left", "lt" -> Side.LEFT;
                case "right", "rt" -> Side.RIGHT;
                default -> Side.BILATERAL;
            });
        }
        Matcher u = SIDE_LR_UPPER.matcher(orig);
        while (u.find()) {
            // "L>R", "L SDH", "R frontal": an isolated capital L or R
            s = s.merge(u.group(1).equals("L") ? Side.LEFT : Side.RIGHT);
        }
        return s;
    }

    private static final Pattern POSTOP = Pattern.compile(
            "\\b(?:post[- ]?operative|post[- ]?surgical|craniotomy|craniectomy|burr[- ]holes?|evacuation|evacuated|surgical (?:bed|site|cavity)|resection cavity|cranioplasty|status post|s/p)\\b");

    // ------------------------------------------------------------------------------------------------ decision

    /** Labels one report. Never throws for any input string; null is treated as empty. */
    public ReportLabel label(String reportText) {
        String text = reportText == null ? "" : reportText;
        List<Section> sections = sections(text);
        Map<Tier, List<Mention>> byTier = new EnumMap<>(Tier.class);
        boolean chronic = false, postop = false;
        for (Section sec : sections) {
            if (sec.tier() == Tier.IGNORED) continue;
            for (String sentence : sec.sentences()) {
                String lower = sentence.toLowerCase(Locale.ROOT);
                if (POSTOP.matcher(lower).find()) postop = true;
                List<Mention> ms = new ArrayList<>(mentions(sec, sentence));
                String norm = lower.replaceAll("^[\\s\\d.)-]+", "").strip();
                if (ms.isEmpty() && GENERIC_NORMAL.matcher(norm).find())
                    ms.add(new Mention(sec, sentence, 0, sentence.length(), null, Side.UNSPECIFIED, Status.NEGATED, true));
                for (Mention m : ms) {
                    if (m.status() == Status.CHRONIC) chronic = true;
                    if (m.status() != Status.HYPOTHETICAL) byTier.computeIfAbsent(sec.tier(), k -> new ArrayList<>()).add(m);
                }
            }
        }
        Tier deciding = null;
        for (Tier t : List.of(Tier.ADDENDUM, Tier.IMPRESSION, Tier.FINDINGS)) {
            if (byTier.containsKey(t)) {
                deciding = t;
                break;
            }
        }
        if (deciding == null) return new ReportLabel(Hemorrhage.NEGATIVE, List.of(), false, chronic, postop, List.of());
        List<Mention> dec = byTier.get(deciding);
        Hemorrhage h;
        Status want;
        if (dec.stream().anyMatch(m -> m.status() == Status.AFFIRMED)) {
            h = Hemorrhage.POSITIVE;
            want = Status.AFFIRMED;
        } else if (dec.stream().anyMatch(m -> m.status() == Status.UNCERTAIN)) {
            h = Hemorrhage.UNCERTAIN;
            want = Status.UNCERTAIN;
        } else {
            h = Hemorrhage.NEGATIVE;
            want = null;
        }
        Set<String> seen = new LinkedHashSet<>();
        List<ReportLabel.Evidence> evidence = new ArrayList<>();
        for (Mention m : dec) {
            boolean relevant = want == null ? (m.status() == Status.NEGATED || m.status() == Status.CHRONIC) : m.status() == want;
            if (relevant && seen.add(m.section().name() + "\u0000" + m.sentence()))
                evidence.add(new ReportLabel.Evidence(m.section().name(), m.sentence()));
        }
        List<ReportLabel.SubtypeFinding> subtypes = new ArrayList<>();
        if (h == Hemorrhage.POSITIVE) {
            Map<Subtype, Side> map = new EnumMap<>(Subtype.class);
            Set<Subtype> contradicted = java.util.EnumSet.noneOf(Subtype.class);
            for (Mention m : dec)
                if (m.subtype() != null && (m.status() == Status.NEGATED || m.status() == Status.UNCERTAIN))
                    contradicted.add(m.subtype());
            for (Tier t : List.of(Tier.ADDENDUM, Tier.IMPRESSION, Tier.FINDINGS)) {
                if (t.ordinal() > deciding.ordinal() || !byTier.containsKey(t)) continue;
                for (Mention m : byTier.get(t)) {
                    if (m.status() != Status.AFFIRMED || m.subtype() == null) continue;
                    if (t != deciding && contradicted.contains(m.subtype()) && !affirmedIn(dec, m.subtype())) continue;
                    map.merge(m.subtype(), m.side(), Side::merge);
                }
            }
            map.forEach((k, s) -> subtypes.add(new ReportLabel.SubtypeFinding(k, s)));
        }
        return new ReportLabel(h, subtypes, h == Hemorrhage.POSITIVE, chronic, postop, evidence);
    }

    private static boolean affirmedIn(List<Mention> ms, Subtype s) {
        return ms.stream().anyMatch(m -> m.subtype() == s && m.status() == Status.AFFIRMED);
    }
}
