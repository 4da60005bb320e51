package org.ichnode.ris.label;

/** Report-level hemorrhage label: acute (non-chronic) intracranial blood present, absent, or hedged. */
public enum Hemorrhage {
    POSITIVE, NEGATIVE, UNCERTAIN
}
