package org.ichnode.core.volume;

import java.util.List;

/**
 * A CT volume in Hounsfield units: {@code slices} planes of {@code rows x columns} voxels, slice-major
 * (index = (slice * rows + row) * columns + column), ordered along the slice normal. Each slice keeps its own
 * geometry and the SOP Instance UID it came from, so results can be written back pixel-aligned with the source.
 */
public final class Volume {
    private final int columns;
    private final int rows;
    private final int slices;
    private final short[] hu;
    private final List<SliceGeometry> sliceGeometry;
    private final List<String> sourceInstanceUids;
    private final String frameOfReferenceUid;

    public Volume(int columns, int rows, short[] hu, List<SliceGeometry> sliceGeometry,
                  List<String> sourceInstanceUids, String frameOfReferenceUid) {
        if (columns <= 0 || rows <= 0) throw new IllegalArgumentException("empty slice size " + columns + "x" + rows);
        int n = sliceGeometry.size();
        if (n == 0) throw new IllegalArgumentException("a volume needs at least one slice");
        if (hu.length != (long) columns * rows * n) {
            throw new IllegalArgumentException("voxel count " + hu.length + " != " + columns + "x" + rows + "x" + n);
        }
        if (sourceInstanceUids.size() != n) {
            throw new IllegalArgumentException(sourceInstanceUids.size() + " instance UIDs for " + n + " slices");
        }
        this.columns = columns;
        this.rows = rows;
        this.slices = n;
        this.hu = hu;
        this.sliceGeometry = List.copyOf(sliceGeometry);
        this.sourceInstanceUids = List.copyOf(sourceInstanceUids);
        this.frameOfReferenceUid = frameOfReferenceUid;
    }

    public int columns() { return columns; }
    public int rows() { return rows; }
    public int slices() { return slices; }
    public int voxelsPerSlice() { return columns * rows; }

    /** The voxels, slice-major. Not copied: callers must not modify it. */
    public short[] hu() { return hu; }

    public short hu(int column, int row, int slice) { return hu[(slice * rows + row) * columns + column]; }

    public SliceGeometry slice(int index) { return sliceGeometry.get(index); }
    public List<SliceGeometry> sliceGeometry() { return sliceGeometry; }
    public List<String> sourceInstanceUids() { return sourceInstanceUids; }
    public String frameOfReferenceUid() { return frameOfReferenceUid; }

    /** Signed position of slice {@code index} along the normal of slice 0, in mm. */
    public double positionAlongNormal(int index) {
        return sliceGeometry.get(index).position().dot(sliceGeometry.get(0).normal());
    }
}
