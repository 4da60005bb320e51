package org.ichnode.store;

import java.util.Locale;

/** State of a model version; stored lower-case in model_version.state. */
public enum ModelState {
    /** Trained and evaluated, never active (refused by the gate, or not yet decided). */
    CANDIDATE,
    /** The one model serving uses. */
    ACTIVE,
    /** Was active, replaced by another version; can be activated again (rollback). */
    RETIRED;

    public String dbValue() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static ModelState fromDb(String v) {
        return valueOf(v.toUpperCase(Locale.ROOT));
    }
}
