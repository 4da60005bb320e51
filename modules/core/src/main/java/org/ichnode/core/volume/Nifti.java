package org.ichnode.core.volume;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;
import java.util.zip.GZIPInputStream;
import org.ichnode.core.geometry.Vec3;

/**
 * A NIfTI-1 or NIfTI-2 image ({@code .nii}, {@code .nii.gz}), the format in which PhysioNet CT-ICH, BHSD and INSTANCE
 * publish head CT and masks. Read streaming (a gzip file is never held twice), scaled by {@code scl_slope} /
 * {@code scl_inter}, with the voxel-to-world transform converted from NIfTI's RAS+ to DICOM's LPS patient coordinates.
 *
 * <p>The transform comes from the sform where {@code sform_code > 0}, else from the qform where {@code qform_code > 0},
 * else from {@code pixdim} alone (axial, identity orientation): {@link #geometrySource} says which, so callers can say
 * when geometry is assumed. Only 3-D images (or 4-D with one volume) are read.
 *
 * @param nx             voxels along i (DICOM columns)
 * @param ny             voxels along j (DICOM rows)
 * @param nz             voxels along k (slices)
 * @param values         scaled voxel values, i fastest, then j, then k
 * @param affineLps      3x4 voxel-to-patient transform (mm, LPS): patient = A * (i, j, k, 1)
 * @param geometrySource "sform", "qform" or "pixdim"
 */
public record Nifti(int nx, int ny, int nz, float[] values, double[][] affineLps, String geometrySource) {

    /** Largest image read: 2^31 - 1 voxels would not fit one array; real head CT is far below this. */
    static final long MAX_VOXELS = 512L * 1024 * 1024;

    public Nifti {
        if ((long) nx * ny * nz != values.length) throw new IllegalArgumentException("voxel count does not match the dimensions");
    }

    /** Whether the geometry came from the file's own orientation (sform or qform), not from voxel sizes alone. */
    public boolean geometryFromFile() { return !geometrySource.equals("pixdim"); }

    public static Nifti read(Path file) throws IOException {
        try (InputStream raw = Files.newInputStream(file);
             InputStream in = new BufferedInputStream(isGzip(file) ? new GZIPInputStream(raw, 1 << 16) : raw, 1 << 16)) {
            return read(in, file.getFileName().toString());
        }
    }

    private static boolean isGzip(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return in.read() == 0x1f && in.read() == 0x8b;
        }
    }

    static Nifti read(InputStream in, String name) throws IOException {
        DataInputStream data = new DataInputStream(in);
        byte[] first = new byte[4];
        data.readFully(first);
        int le = ByteBuffer.wrap(first).order(ByteOrder.LITTLE_ENDIAN).getInt();
        int be = ByteBuffer.wrap(first).order(ByteOrder.BIG_ENDIAN).getInt();
        ByteOrder order;
        boolean v2;
        if (le == 348 || be == 348) { v2 = false; order = le == 348 ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN; }
        else if (le == 540 || be == 540) { v2 = true; order = le == 540 ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN; }
        else throw new IOException(name + ": not a NIfTI file (header size " + le + ")");
        byte[] rest = new byte[(v2 ? 540 : 348) - 4];
        data.readFully(rest);
        ByteBuffer h = ByteBuffer.allocate(rest.length + 4).order(order).put(first).put(rest);
        Header hd = v2 ? header2(h) : header1(h);
        String magic = new String(rest, (v2 ? 4 : 344) - 4, 3, java.nio.charset.StandardCharsets.US_ASCII);
        if (!magic.equals("n+1") && !magic.equals("n+2")) {
            throw new IOException(name + ": magic '" + magic + "' is not a single-file NIfTI (.nii); .hdr/.img pairs are not read");
        }
        if (hd.dim[0] < 3 || hd.dim[0] > 4 || (hd.dim[0] == 4 && hd.dim[4] > 1)) {
            throw new IOException(name + ": " + hd.dim[0] + "-D image" + (hd.dim[0] == 4 ? " with " + hd.dim[4] + " volumes" : "")
                    + "; only one 3-D volume is read");
        }
        long nx = hd.dim[1], ny = hd.dim[2], nz = hd.dim[3];
        if (nx < 1 || ny < 1 || nz < 1 || nx * ny * nz > MAX_VOXELS) throw new IOException(name + ": dimensions " + nx + "x" + ny + "x" + nz + " out of range");
        int n = (int) (nx * ny * nz);
        long skip = hd.voxOffset - (v2 ? 540 : 348);
        if (skip < 0) throw new IOException(name + ": vox_offset " + hd.voxOffset + " inside the header");
        skipFully(data, skip);
        float[] values = readVoxels(data, order, hd.datatype, n, name);
        double slope = hd.sclSlope, inter = hd.sclInter;
        if (Double.isFinite(slope) && slope != 0 && (slope != 1 || inter != 0)) {
            for (int i = 0; i < n; i++) values[i] = (float) (values[i] * slope + (Double.isFinite(inter) ? inter : 0));
        }
        double[][] ras;
        String source;
        if (hd.sformCode > 0) { ras = hd.srow; source = "sform"; }
        else if (hd.qformCode > 0) { ras = qform(hd); source = "qform"; }
        else {
            ras = new double[][] {{hd.pixdim[1], 0, 0, 0}, {0, hd.pixdim[2], 0, 0}, {0, 0, hd.pixdim[3], 0}};
            source = "pixdim";
        }
        double[][] lps = new double[3][];
        lps[0] = negate(ras[0]);
        lps[1] = negate(ras[1]);
        lps[2] = ras[2].clone();
        return new Nifti((int) nx, (int) ny, (int) nz, values, lps, source);
    }

    /** The voxel (i, j, k) in patient coordinates (mm, LPS). */
    public Vec3 toPatient(double i, double j, double k) {
        double[] p = new double[3];
        for (int r = 0; r < 3; r++) p[r] = affineLps[r][0] * i + affineLps[r][1] * j + affineLps[r][2] * k + affineLps[r][3];
        return new Vec3(p[0], p[1], p[2]);
    }

    private Vec3 axis(int c) { return new Vec3(affineLps[0][c], affineLps[1][c], affineLps[2][c]); }

    /** True when k runs against the slice normal (i x j): {@link #toVolume} then reverses the slices. */
    public boolean slicesDescend() {
        Vec3 normal = axis(0).cross(axis(1));
        return normal.dot(axis(2)) < 0;
    }

    /**
     * As a {@link Volume}: values rounded to HU (clamped to the short range), slices ascending along the normal as
     * {@link VolumeAssembler} orders them, each slice's geometry from the transform.
     *
     * @param instanceUid the SOP Instance UID to give slice {@code k} of the file's own order
     * @param frameOfReferenceUid the frame of reference of the volume
     */
    public Volume toVolume(IntFunction<String> instanceUid, String frameOfReferenceUid) {
        Vec3 row = axis(0), col = axis(1);
        double colSpacing = row.norm(), rowSpacing = col.norm();
        if (colSpacing <= 0 || rowSpacing <= 0) throw new IllegalArgumentException("NIfTI voxel size is zero");
        Vec3 rowDir = row.normalized(), colDir = col.normalized();
        int per = nx * ny;
        short[] hu = new short[values.length];
        List<SliceGeometry> geometry = new ArrayList<>(nz);
        List<String> uids = new ArrayList<>(nz);
        boolean reverse = slicesDescend();
        for (int s = 0; s < nz; s++) {
            int k = reverse ? nz - 1 - s : s;
            for (int i = 0; i < per; i++) {
                float v = values[k * per + i];
                hu[s * per + i] = (short) Math.max(Short.MIN_VALUE, Math.min(Short.MAX_VALUE, Math.round(v)));
            }
            geometry.add(new SliceGeometry(toPatient(0, 0, k), rowDir, colDir, rowSpacing, colSpacing));
            uids.add(instanceUid.apply(k));
        }
        return new Volume(nx, ny, hu, geometry, uids, frameOfReferenceUid);
    }

    /** Non-zero voxels as 1, in the slice order of {@link #toVolume}; {@code other} must have this image's grid. */
    public byte[] maskInVolumeOrder(Nifti mask) {
        if (mask.nx != nx || mask.ny != ny || mask.nz != nz) {
            throw new IllegalArgumentException("mask grid " + mask.nx + "x" + mask.ny + "x" + mask.nz + " differs from the image's "
                    + nx + "x" + ny + "x" + nz);
        }
        int per = nx * ny;
        byte[] out = new byte[values.length];
        boolean reverse = slicesDescend();
        for (int s = 0; s < nz; s++) {
            int k = reverse ? nz - 1 - s : s;
            for (int i = 0; i < per; i++) out[s * per + i] = (byte) (mask.values[k * per + i] > 0.5f ? 1 : 0);
        }
        return out;
    }

    /** Slice index in {@link #toVolume} order of the file's slice {@code k}. */
    public int volumeSlice(int k) { return slicesDescend() ? nz - 1 - k : k; }

    private record Header(long[] dim, int datatype, double[] pixdim, long voxOffset, double sclSlope, double sclInter,
                          int qformCode, int sformCode, double[] quatern, double[] qoffset, double[][] srow) {}

    private static Header header1(ByteBuffer h) {
        long[] dim = new long[8];
        for (int i = 0; i < 8; i++) dim[i] = h.getShort(40 + 2 * i);
        double[] pixdim = new double[8];
        for (int i = 0; i < 8; i++) pixdim[i] = h.getFloat(76 + 4 * i);
        double[][] srow = new double[3][4];
        for (int r = 0; r < 3; r++) for (int c = 0; c < 4; c++) srow[r][c] = h.getFloat(280 + 16 * r + 4 * c);
        return new Header(dim, h.getShort(70), pixdim, (long) h.getFloat(108), h.getFloat(112), h.getFloat(116),
                h.getShort(252), h.getShort(254),
                new double[] {h.getFloat(256), h.getFloat(260), h.getFloat(264)},
                new double[] {h.getFloat(268), h.getFloat(272), h.getFloat(276)}, srow);
    }

    private static Header header2(ByteBuffer h) {
        long[] dim = new long[8];
        for (int i = 0; i < 8; i++) dim[i] = h.getLong(16 + 8 * i);
        double[] pixdim = new double[8];
        for (int i = 0; i < 8; i++) pixdim[i] = h.getDouble(104 + 8 * i);
        double[][] srow = new double[3][4];
        for (int r = 0; r < 3; r++) for (int c = 0; c < 4; c++) srow[r][c] = h.getDouble(400 + 32 * r + 8 * c);
        return new Header(dim, h.getShort(12), pixdim, h.getLong(168), h.getDouble(176), h.getDouble(184),
                h.getInt(344), h.getInt(348),
                new double[] {h.getDouble(352), h.getDouble(360), h.getDouble(368)},
                new double[] {h.getDouble(376), h.getDouble(384), h.getDouble(392)}, srow);
    }

    /** The qform (quaternion, voxel sizes, qfac in pixdim[0]) as a 3x4 RAS transform. */
    private static double[][] qform(Header hd) {
        double b = hd.quatern[0], c = hd.quatern[1], d = hd.quatern[2];
        double a = Math.sqrt(Math.max(0, 1 - (b * b + c * c + d * d)));
        double[][] r = {
                {a * a + b * b - c * c - d * d, 2 * (b * c - a * d), 2 * (b * d + a * c)},
                {2 * (b * c + a * d), a * a + c * c - b * b - d * d, 2 * (c * d - a * b)},
                {2 * (b * d - a * c), 2 * (c * d + a * b), a * a + d * d - c * c - b * b}};
        double qfac = hd.pixdim[0] < 0 ? -1 : 1;
        double[] size = {hd.pixdim[1], hd.pixdim[2], hd.pixdim[3] * qfac};
        double[][] out = new double[3][4];
        for (int row = 0; row < 3; row++) {
            for (int col = 0; col < 3; col++) out[row][col] = r[row][col] * size[col];
            out[row][3] = hd.qoffset[row];
        }
        return out;
    }

    private static double[] negate(double[] v) {
        double[] o = new double[v.length];
        for (int i = 0; i < v.length; i++) o[i] = 0.0 - v[i];   // never -0.0
        return o;
    }

    private static void skipFully(DataInputStream in, long n) throws IOException {
        while (n > 0) {
            long s = in.skip(n);
            if (s <= 0) {
                if (in.read() < 0) throw new EOFException("NIfTI file ends inside its extensions");
                s = 1;
            }
            n -= s;
        }
    }

    /** Reads n voxels of a NIfTI datatype in chunks, converting to float as it goes. */
    private static float[] readVoxels(DataInputStream in, ByteOrder order, int datatype, int n, String name) throws IOException {
        int bytes = switch (datatype) {
            case 2, 256 -> 1;          // uint8, int8
            case 4, 512 -> 2;          // int16, uint16
            case 8, 16, 768 -> 4;      // int32, float32, uint32
            case 64 -> 8;              // float64
            default -> throw new IOException(name + ": NIfTI datatype " + datatype + " is not read (integers, float32, float64 are)");
        };
        float[] out = new float[n];
        byte[] chunk = new byte[bytes * 65536];
        int done = 0;
        while (done < n) {
            int count = Math.min(65536, n - done);
            try {
                in.readFully(chunk, 0, count * bytes);
            } catch (EOFException e) {
                throw new IOException(name + ": the file ends after " + done + " of " + n + " voxels", e);
            }
            ByteBuffer b = ByteBuffer.wrap(chunk, 0, count * bytes).order(order);
            for (int i = 0; i < count; i++) {
                out[done + i] = switch (datatype) {
                    case 2 -> b.get() & 0xff;
                    case 256 -> b.get();
                    case 4 -> b.getShort();
                    case 512 -> b.getShort() & 0xffff;
                    case 8 -> b.getInt();
                    case 768 -> (float) (b.getInt() & 0xffffffffL);
                    case 16 -> b.getFloat();
                    default -> (float) b.getDouble();
                };
            }
            done += count;
        }
        return out;
    }
}
