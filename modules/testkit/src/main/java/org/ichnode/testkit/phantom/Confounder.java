package org.ichnode.testkit.phantom;

import org.ichnode.core.geometry.Vec3;

/** A non-hemorrhagic hyperdensity (physiological calcification) that a detector must not call hemorrhage. */
public record Confounder(String kind, Vec3 centre, double radiusMm, double hu) {
}
