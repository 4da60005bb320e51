package org.ichnode.store;

/** State of a model version; stored lower-case in model_version.state. */
public enum ModelState implements StoredState {
    /** Trained and evaluated, never active (refused by the gate, or not yet decided). */
    CANDIDATE,
    /** The one model serving uses. */
    ACTIVE,
    /** Was active, replaced by another version; can be activated again (rollback). */
    RETIRED;

    public static ModelState fromDb(String v) {
        return StoredState.fromDb(ModelState.class, v);
    }
}
