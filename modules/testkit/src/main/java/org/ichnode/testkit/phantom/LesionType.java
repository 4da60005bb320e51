package org.ichnode.testkit.phantom;

/** Clinical hemorrhage types the phantom renders. */
public enum LesionType {
    /** Irregular blob in the brain parenchyma, possibly with a hypodense oedema rim. */
    INTRAPARENCHYMAL,
    /** Crescent along the inner table, does not cross the midline. */
    SUBDURAL,
    /** Biconvex lens against the inner table. */
    EPIDURAL,
    /** Thin, fills sulci, fissures and basal cisterns. */
    SUBARACHNOID,
    /** In the ventricles, layering in the dependent (posterior, supine patient) part or as a cast. */
    INTRAVENTRICULAR
}
