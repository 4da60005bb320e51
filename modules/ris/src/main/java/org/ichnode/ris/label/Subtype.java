package org.ichnode.ris.label;

/** Intracranial hemorrhage compartment. */
public enum Subtype {
    EPIDURAL, SUBDURAL, SUBARACHNOID, INTRAPARENCHYMAL, INTRAVENTRICULAR
}
