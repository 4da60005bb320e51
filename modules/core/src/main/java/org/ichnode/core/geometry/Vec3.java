package org.ichnode.core.geometry;

/** A point or direction in the DICOM patient coordinate system (LPS, millimetres). */
public record Vec3(double x, double y, double z) {

    public static Vec3 of(double[] xyz) {
        if (xyz == null || xyz.length != 3) {
            throw new IllegalArgumentException("need exactly 3 values, got " + (xyz == null ? "none" : xyz.length));
        }
        return new Vec3(xyz[0], xyz[1], xyz[2]);
    }

    public Vec3 plus(Vec3 o) { return new Vec3(x + o.x, y + o.y, z + o.z); }

    public Vec3 minus(Vec3 o) { return new Vec3(x - o.x, y - o.y, z - o.z); }

    public Vec3 times(double s) { return new Vec3(x * s, y * s, z * s); }

    public double dot(Vec3 o) { return x * o.x + y * o.y + z * o.z; }

    public Vec3 cross(Vec3 o) { return new Vec3(y * o.z - z * o.y, z * o.x - x * o.z, x * o.y - y * o.x); }

    public double norm() { return Math.sqrt(dot(this)); }

    public Vec3 normalized() {
        double n = norm();
        if (n == 0) throw new IllegalArgumentException("cannot normalize a zero vector");
        return times(1.0 / n);
    }

    /** Angle between two directions in degrees, 0..180. */
    public double angleDegrees(Vec3 o) {
        double c = dot(o) / (norm() * o.norm());
        return Math.toDegrees(Math.acos(Math.max(-1, Math.min(1, c))));
    }

    public double[] toArray() { return new double[] {x, y, z}; }
}
