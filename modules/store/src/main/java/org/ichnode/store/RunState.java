package org.ichnode.store;

/** State of a retraining run; stored lower-case in training_run.state. Every state but RUNNING is final. */
public enum RunState implements StoredState {
    RUNNING,
    /** Its candidate became the active model. */
    PROMOTED,
    /** Its candidate passed the gate and waits for a person to activate it (retrain.autoPromote=false). */
    APPROVED,
    /** Ended without a new active model for a recorded reason (gate, too few studies, unchanged dataset). */
    REFUSED,
    /** An error ended it; the active model is unchanged. */
    FAILED,
    /** Its node died or restarted while it ran; marked by the next run or by the node at start-up. */
    INTERRUPTED;

    public static RunState fromDb(String v) {
        return StoredState.fromDb(RunState.class, v);
    }
}
