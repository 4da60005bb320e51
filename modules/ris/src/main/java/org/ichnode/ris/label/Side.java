package org.ichnode.ris.label;

/** Laterality of a hemorrhage subtype as stated in the report. */
public enum Side {
    LEFT, RIGHT, BILATERAL, UNSPECIFIED;

    /** Combines two statements about the same subtype: left + right = bilateral, a stated side beats unspecified. */
    public Side merge(Side other) {
        if (other == null || other == this) return this;
        if (this == UNSPECIFIED) return other;
        if (other == UNSPECIFIED) return this;
        return BILATERAL; // LEFT+RIGHT, or anything with BILATERAL
    }
}
