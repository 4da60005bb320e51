package org.ichnode.testkit.phantom;

/** Dominant tissue at a voxel centre (the label map of a phantom study); codes are the ordinals. */
public enum Tissue {
    AIR, SKIN, FAT, SOFT_TISSUE, SKULL, SKULL_BASE_BONE, PETROUS_BONE, SINUS_AIR, CSF, GREY_MATTER, WHITE_MATTER,
    VENTRICLE, DEEP_GREY, BRAINSTEM, FALX, CALCIFICATION, ORBIT_FAT, GLOBE, EDEMA, BLOOD;

    private static final Tissue[] VALUES = values();

    public static Tissue of(int code) { return VALUES[code]; }
}
