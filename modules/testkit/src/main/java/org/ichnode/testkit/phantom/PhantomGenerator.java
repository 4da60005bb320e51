package org.ichnode.testkit.phantom;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import org.ichnode.core.geometry.Vec3;
import org.ichnode.core.volume.SliceGeometry;
import org.ichnode.core.volume.Volume;

/**
 * Generates synthetic head CT studies with a voxel-exact hemorrhage truth. Purely procedural: the anatomy is a set of
 * analytic shapes in patient millimetres ({@link HeadModel}) sampled at each voxel centre through
 * {@link SliceGeometry#pixelToPatient}, so gantry tilt, pixel spacing and slice thickness are handled by geometry.
 * Deterministic: {@code generate(seed, i)} depends only on (options, seed, i); a single sequential random stream per
 * study, no clock, no hash-ordered collections.
 */
public final class PhantomGenerator {
    private static final double[] THICKNESSES = {2.5, 3.0, 3.75, 4.0, 5.0};
    private static final LocalDate BASE_DATE = LocalDate.of(2021, 1, 4);

    private final PhantomOptions options;

    public PhantomGenerator(PhantomOptions options) { this.options = options; }

    public PhantomOptions options() { return options; }

    /** Study ids are "PH" + zero-padded index, e.g. "PH0007"; the folder name used by the exporter. */
    public static String studyId(int studyIndex) { return String.format(java.util.Locale.ROOT, "PH%04d", studyIndex); }

    public PhantomStudy generate(long seed, int studyIndex) {
        PhantomOptions o = options;
        PhantomRandom rnd = new PhantomRandom(PhantomRandom.derive(seed, studyIndex));
        int cols = o.columns(), rows = o.rows();

        // ---- acquisition
        double thickness = pickThickness(rnd);
        double coverage = rnd.uniform(140, 172);
        int slices = (int) Math.max(o.minSlices(), Math.min(o.maxSlices(), Math.round(coverage / thickness)));
        double spacing = Math.rint(rnd.uniform(o.minPixelSpacingMm(), o.maxPixelSpacingMm()) * 100) / 100.0;
        spacing = Math.max(spacing, o.minPixelSpacingMm());
        boolean tilted = rnd.chance(o.tiltProbability()) && o.maxTiltDegrees() > 0;
        double tilt = tilted ? Math.rint(rnd.uniform(Math.min(3, o.maxTiltDegrees()), o.maxTiltDegrees()) * 10) / 10.0 : 0.0;
        double noiseSigma = rnd.uniform(o.minNoiseSigmaHu(), o.maxNoiseSigmaHu());

        // ---- head pose; the head must fit the field of view
        double fovHalf = 0.5 * Math.min(cols, rows) * spacing;
        double offX = rnd.uniform(-10, 10), offY = rnd.uniform(-10, 10);
        double scale = rnd.uniform(0.92, 1.06);
        scale = Math.min(scale, (fovHalf - 4 - Math.max(Math.abs(offX), Math.abs(offY))) / (90 * 1.04 + 11));
        HeadModel head = new HeadModel(rnd, scale, o.skullRealism());
        double yaw = Math.toRadians(rnd.uniform(-8, 8));
        double roll = Math.toRadians(rnd.uniform(-5, 5));
        double pitch = Math.toRadians(rnd.uniform(-8, 12));
        double[] rot = rotation(yaw, roll, pitch);   // head -> patient, row-major 3x3
        double tableZ = Math.rint(rnd.uniform(-180, 40));
        double isoY = Math.rint(rnd.uniform(-15, 15));
        Vec3 headCentre = new Vec3(offX, isoY + offY, tableZ);
        double[] gHead = applyT(rot, 0, 1, 0);
        head.gx = gHead[0]; head.gy = gHead[1]; head.gz = gHead[2];
        head.setRamp(spacing);

        // ---- slice geometry: table steps along z; planes tilted about the patient x axis
        double tr = Math.toRadians(tilt);
        Vec3 rowDir = new Vec3(1, 0, 0);
        Vec3 colDir = new Vec3(0, round6(StrictMath.cos(tr)), round6(StrictMath.sin(tr)));
        Vec3 normal = rowDir.cross(colDir).normalized();
        double increment = thickness;
        // the slab: from just above the vertex downward if it can reach the skull base, else centred on the ventricles
        double top = tableZ + head.cUp * StrictMath.cos(pitch) + rnd.uniform(2, 10);
        double needed = head.cUp + 80 * scale;
        double z0;
        double length = (slices - 1) * increment;
        if (length >= needed) z0 = top - length;
        else z0 = tableZ + 8 * scale - length / 2 + rnd.uniform(-5, 5);
        List<SliceGeometry> geo = new ArrayList<>(slices);
        double cx = 0.5 * (cols - 1) * spacing, cy = 0.5 * (rows - 1) * spacing;
        for (int k = 0; k < slices; k++) {
            double zc = z0 + k * increment;
            Vec3 centre = new Vec3(0, isoY, zc);
            Vec3 pos = centre.minus(rowDir.times(cx)).minus(colDir.times(cy));
            pos = new Vec3(round3(pos.x()), round3(pos.y()), round3(pos.z()));
            geo.add(new SliceGeometry(pos, rowDir, colDir, spacing, spacing));
        }

        // ---- hemorrhages
        boolean positive = !rnd.chance(o.negativeFraction());
        List<HeadModel.LesionShape> shapes = new ArrayList<>();
        if (positive) {
            int n = 1;
            while (n < o.maxLesions() && rnd.chance(0.45)) n++;
            for (int i = 0; i < n; i++) {
                HeadModel.LesionShape l = placeLesion(rnd, head, rot, headCentre, geo, normal, thickness);
                if (l != null) shapes.add(l);
            }
        }
        // ---- render; a lesion that contains no voxel centre is removed and the study rendered again (same noise)
        PhantomRandom beforeRender = rnd.copy();
        int per = cols * rows;
        short[] hu;
        byte[] mask;
        short[] lbits;
        byte[] tissue;
        int nl;
        int[] lesionVoxels, firstSlice, lastSlice;
        boolean[] sliceLabels;
        while (true) {
            rnd = beforeRender.copy();
            head.lesions = shapes.toArray(new HeadModel.LesionShape[0]);
            head.anySah = false;
            for (HeadModel.LesionShape l : shapes) if (l.type == LesionType.SUBARACHNOID) head.anySah = true;
            // ---- render
            hu = new short[per * slices];
            mask = new byte[per * slices];
            lbits = new short[per * slices];
            tissue = new byte[per * slices];
            nl = shapes.size();
            lesionVoxels = new int[nl];
            firstSlice = new int[nl];
            lastSlice = new int[nl];
            java.util.Arrays.fill(firstSlice, -1);
            sliceLabels = new boolean[slices];
            int nsub = thickness <= 1.5 * spacing ? 1 : (thickness <= 3.8 ? 3 : 5);
            double[] offsets = new double[nsub];
            for (int j = 0; j < nsub; j++) offsets[j] = ((j + 0.5) / nsub - 0.5) * thickness;
            double[] qa = applyT(rot, rowDir.x() * spacing, rowDir.y() * spacing, rowDir.z() * spacing);
            double[] qb = applyT(rot, colDir.x() * spacing, colDir.y() * spacing, colDir.z() * spacing);
            double[] qn = applyT(rot, normal.x(), normal.y(), normal.z());
            double[] buf = new double[per];
            double[] noise = new double[per];
            double[] tmp = new double[per];
            double[] kernel = gaussianKernel(0.8, 3);
            double ksq = 0;
            for (double k : kernel) ksq += k * k;
            double noiseScale = noiseSigma / ksq;   // 2-D separable blur of unit white noise has std = sum(k^2)
            for (int k = 0; k < slices; k++) {
                SliceGeometry sg = geo.get(k);
                Vec3 p0 = sg.position().minus(headCentre);
                double[] q0 = applyT(rot, p0.x(), p0.y(), p0.z());
                int base = k * per;
                for (int r = 0; r < rows; r++) {
                    double ru = q0[0] + r * qb[0], rv = q0[1] + r * qb[1], rw = q0[2] + r * qb[2];
                    for (int c = 0; c < cols; c++) {
                        double u = ru + c * qa[0], v = rv + c * qa[1], w = rw + c * qa[2];
                        head.sample(u, v, w);
                        int idx = r * cols + c;
                        tissue[base + idx] = (byte) head.tissue;
                        int b = head.bits;
                        if (b != 0) {
                            mask[base + idx] = 1;
                            lbits[base + idx] = (short) b;
                            sliceLabels[k] = true;
                            for (int i = 0; i < nl; i++) {
                                if ((b & (1 << i)) != 0) {
                                    lesionVoxels[i]++;
                                    if (firstSlice[i] < 0) firstSlice[i] = k;
                                    lastSlice[i] = k;
                                }
                            }
                        }
                        double val = head.hu;
                        if (nsub > 1 && head.near < 0.5 * thickness) {
                            double acc = 0;
                            for (int j = 0; j < nsub; j++) {
                                double off = offsets[j];
                                if (off == 0) {
                                    acc += val;
                                    continue;
                                }
                                head.sample(u + off * qn[0], v + off * qn[1], w + off * qn[2]);
                                acc += head.hu;
                            }
                            val = acc / nsub;
                        }
                        buf[idx] = val;
                    }
                }
                if (noiseSigma > 0) {
                    for (int i = 0; i < per; i++) noise[i] = rnd.gaussian();
                    blur(noise, tmp, cols, rows, kernel);
                }
                for (int i = 0; i < per; i++) {
                    double v = buf[i] + (noiseSigma > 0 ? noise[i] * noiseScale : 0);
                    long h = Math.round(v);
                    hu[base + i] = (short) Math.max(-1024, Math.min(3071, h));
                }
            }

            List<HeadModel.LesionShape> kept = new ArrayList<>();
            for (int i = 0; i < nl; i++) if (lesionVoxels[i] > 0) kept.add(shapes.get(i));
            if (kept.size() == nl) break;
            shapes = kept;
        }

        // ---- identifiers
        List<String> sopUids = new ArrayList<>(slices);
        for (int k = 0; k < slices; k++) sopUids.add(PhantomUids.instanceUid(seed, studyIndex, 1, k + 1));
        Volume volume = new Volume(cols, rows, hu, geo, sopUids, PhantomUids.frameOfReferenceUid(seed, studyIndex));
        double voxelMl = spacing * spacing * thickness / 1000.0;
        List<Lesion> lesions = new ArrayList<>();
        int id = 0;
        for (int i = 0; i < nl; i++) {
            HeadModel.LesionShape l = shapes.get(i);
            id++;
            Vec3 c = toPatient(rot, headCentre, l.cx, l.cy, l.cz);
            double size = switch (l.type) {
                case INTRAPARENCHYMAL, INTRAVENTRICULAR -> 2 * l.size;
                case SUBDURAL, EPIDURAL -> l.size;
                case SUBARACHNOID -> 2 * Math.max(l.rx, Math.max(l.ry, l.rz));
            };
            lesions.add(new Lesion(id, l.type, round(c), round2(l.hu), lesionVoxels[i], Math.rint(lesionVoxels[i] * voxelMl * 1e6) / 1e6,
                    round2(size), firstSlice[i], lastSlice[i]));
        }
        List<Confounder> conf = new ArrayList<>();
        for (Confounder cf : head.calcLocal) {
            Vec3 c = toPatient(rot, headCentre, cf.centre().x(), cf.centre().y(), cf.centre().z());
            conf.add(new Confounder(cf.kind(), round(c), round2(cf.radiusMm()), round2(cf.hu())));
        }
        long h = PhantomRandom.mix(PhantomRandom.derive(seed, 1_000_003L + studyIndex));
        LocalDate date = BASE_DATE.plusDays(Math.floorMod(h, 1400));
        int secs = 7 * 3600 + Math.floorMod(h >>> 20, 15 * 3600);
        String studyDate = String.format(java.util.Locale.ROOT, "%04d%02d%02d", date.getYear(), date.getMonthValue(), date.getDayOfMonth());
        String studyTime = String.format(java.util.Locale.ROOT, "%02d%02d%02d", secs / 3600, (secs / 60) % 60, secs % 60);
        int age = 25 + Math.floorMod(h >>> 40, 65);
        String birth = String.format(java.util.Locale.ROOT, "%04d0101", date.getYear() - age);
        String sex = ((h >>> 50) & 1) == 0 ? "F" : "M";
        String sid = studyId(studyIndex);
        return new PhantomStudy(seed, studyIndex, sid,
                String.format(java.util.Locale.ROOT, "PHANTOM^%04d", studyIndex),
                "PHANTOM-" + seedHash6(seed) + "-" + String.format(java.util.Locale.ROOT, "%04d", studyIndex),
                birth, sex,
                PhantomUids.studyUid(seed, studyIndex), PhantomUids.seriesUid(seed, studyIndex, 1),
                ("A" + seedHash6(seed) + String.format(java.util.Locale.ROOT, "%04d", studyIndex)),
                studyDate, studyTime, thickness, increment, tilt, spacing, round2(noiseSigma),
                volume, mask, lbits, tissue, lesions, conf, sliceLabels);
    }

    /** Six base-36 characters derived from the seed (keeps AccessionNumber within 16 characters). */
    static String seedHash6(long seed) {
        String h = Long.toUnsignedString(PhantomRandom.mix(seed ^ 0x5DEECE66DL), 36).toUpperCase(java.util.Locale.ROOT);
        return (h + "000000").substring(0, 6);
    }

    private double pickThickness(PhantomRandom rnd) {
        List<Double> c = new ArrayList<>();
        for (double t : THICKNESSES) if (t >= options.minSliceThicknessMm() - 1e-9 && t <= options.maxSliceThicknessMm() + 1e-9) c.add(t);
        if (c.isEmpty()) return options.minSliceThicknessMm();
        return c.get(rnd.nextInt(0, c.size() - 1));
    }

    // ------------------------------------------------------------------ lesion placement

    private HeadModel.LesionShape placeLesion(PhantomRandom rnd, HeadModel head, double[] rot, Vec3 hc,
                                              List<SliceGeometry> geo, Vec3 normal, double thickness) {
        double u = rnd.nextDouble();
        LesionType type = u < 0.30 ? LesionType.INTRAPARENCHYMAL : u < 0.50 ? LesionType.SUBDURAL
                : u < 0.60 ? LesionType.EPIDURAL : u < 0.85 ? LesionType.SUBARACHNOID : LesionType.INTRAVENTRICULAR;
        double s = head.s;
        for (int attempt = 0; attempt < 40; attempt++) {
            HeadModel.LesionShape l = new HeadModel.LesionShape();
            l.type = type;
            boolean tiny = rnd.chance(0.25);
            switch (type) {
                case INTRAPARENCHYMAL -> {
                    l.size = tiny ? rnd.uniform(0.8, 2.5) : rnd.logUniform(3, 26);
                    if (attempt > 20) l.size = Math.min(l.size, 8);
                    l.cx = rnd.uniform(-48, 48) * s; l.cy = rnd.uniform(-65, 60) * s; l.cz = rnd.uniform(-30, 55) * s;
                    l.hu = rnd.uniform(55, 78);
                    l.huVar = l.size > 4 ? rnd.uniform(0, 5) : 0;
                    for (int k = 0; k < 3; k++) {
                        l.amp[k] = l.size > 3 ? rnd.uniform(0.03, 0.12) : 0;
                        l.freq[k] = rnd.uniform(2, 5);
                        l.phase[k] = rnd.uniform(0, 6.283);
                        double[] d = randomUnit(rnd);
                        System.arraycopy(d, 0, l.dirs, 3 * k, 3);
                    }
                    l.edema = l.size > 7 ? rnd.uniform(2, 7) : 0;
                    l.bound = l.size * 1.4 + l.edema + 3;
                    if (tiny) snapToVoxel(l, rot, hc, geo, normal);
                    if (head.brainSdf(l.cx, l.cy, l.cz) > -(l.size * 0.8 + 1)) continue;
                    if (head.ventricleSdf(l.cx, l.cy, l.cz) < l.size * 0.5 + 1) continue;
                }
                case SUBDURAL, EPIDURAL -> {
                    l.side = rnd.sign();
                    l.az = (l.side > 0 ? 0 : Math.PI) + rnd.uniform(-1.1, 1.1);
                    l.el = rnd.uniform(-0.15, 0.85);
                    if (type == LesionType.SUBDURAL) {
                        l.alphaA = rnd.uniform(0.5, 1.1); l.alphaW = rnd.uniform(0.35, 0.8);
                        l.size = tiny ? rnd.uniform(1.5, 3) : rnd.uniform(3, 15);
                        l.hu = rnd.uniform(50, 80);
                    } else {
                        l.alphaA = rnd.uniform(0.18, 0.42); l.alphaW = rnd.uniform(0.18, 0.42);
                        l.size = Math.min(rnd.uniform(4, 22), 0.9 * Math.min(l.alphaA, l.alphaW) * 75 * s);
                        l.hu = rnd.uniform(55, 85);
                    }
                    l.huVar = rnd.uniform(0, 4);
                    l.cosLimit = StrictMath.cos(Math.min(Math.PI, Math.max(l.alphaA, l.alphaW) + 0.15));
                    double nu = StrictMath.cos(l.el) * StrictMath.cos(l.az), nv = StrictMath.cos(l.el) * StrictMath.sin(l.az), nw = StrictMath.sin(l.el);
                    l.dirs[0] = nu; l.dirs[1] = nv; l.dirs[2] = nw;
                    double[] c = head.innerPoint(l.az, l.el, l.size / 2);
                    l.cx = c[0]; l.cy = c[1]; l.cz = c[2];
                    l.bound = 1e9;
                    if (head.floor(l.cx, l.cy) > l.cz - 5) continue;
                }
                case SUBARACHNOID -> {
                    int site = rnd.nextInt(0, 4);
                    int sd = rnd.sign();
                    double[] c = switch (site) {
                        case 0 -> new double[] {0, -8 * s, -28 * s};
                        case 1 -> new double[] {sd * 15 * s, 18 * s, -30 * s};
                        case 2 -> new double[] {sd * 40 * s, -8 * s, -8 * s};
                        case 3 -> head.innerPoint(rnd.uniform(0, 6.283), rnd.uniform(0.0, 1.2), head.csfW + 3);
                        default -> new double[] {0, rnd.uniform(-50, 50) * s, rnd.uniform(25, 55) * s};
                    };
                    l.cx = c[0] + rnd.uniform(-4, 4); l.cy = c[1] + rnd.uniform(-4, 4); l.cz = c[2] + rnd.uniform(-4, 4);
                    double r = tiny ? rnd.uniform(3, 6) : rnd.uniform(8, 26);
                    l.rx = r * rnd.uniform(0.7, 1.3); l.ry = r * rnd.uniform(0.7, 1.3); l.rz = r * rnd.uniform(0.7, 1.3);
                    l.size = r;
                    l.hu = rnd.uniform(50, 75);
                    l.huVar = 0;
                    l.bound = Math.max(l.rx, Math.max(l.ry, l.rz)) + 3;
                }
                case INTRAVENTRICULAR -> {
                    int site = rnd.nextInt(0, 3);
                    int sd = rnd.sign();
                    double[] c = switch (site) {
                        case 0, 1 -> new double[] {sd * 17 * s, 32 * s, 9 * s};   // atrium / occipital horn, layering
                        case 2 -> new double[] {0, 2 * s, 0};                        // third ventricle cast
                        default -> new double[] {sd * 11 * s, 5 * s, 18 * s};       // body, partial cast
                    };
                    l.cx = c[0]; l.cy = c[1]; l.cz = c[2];
                    l.size = tiny ? rnd.uniform(3, 6) : rnd.uniform(8, 20);
                    if (site <= 1) {
                        double h = l.cx * head.gx + l.cy * head.gy + l.cz * head.gz;
                        l.level = h + rnd.uniform(-3, 4);
                    }
                    l.hu = rnd.uniform(50, 80);
                    l.huVar = 0;
                    l.bound = l.size + 3;
                }
                default -> throw new IllegalStateException();
            }
            // the centre must lie inside the slab
            Vec3 p = toPatient(rot, hc, l.cx, l.cy, l.cz);
            double a = p.minus(geo.get(0).position()).dot(normal);
            double last = geo.get(geo.size() - 1).position().minus(geo.get(0).position()).dot(normal);
            if (a < 0.5 || a > last - 0.5) continue;
            return l;
        }
        return null;
    }

    /** Moves a tiny lesion's centre onto the nearest voxel centre so that it covers at least one voxel. */
    private static void snapToVoxel(HeadModel.LesionShape l, double[] rot, Vec3 hc, List<SliceGeometry> geo, Vec3 normal) {
        Vec3 p = toPatient(rot, hc, l.cx, l.cy, l.cz);
        int best = 0;
        double bestD = Double.MAX_VALUE;
        for (int k = 0; k < geo.size(); k++) {
            double d = Math.abs(p.minus(geo.get(k).position()).dot(normal));
            if (d < bestD) { bestD = d; best = k; }
        }
        SliceGeometry g = geo.get(best);
        Vec3 rel = p.minus(g.position());
        double col = Math.rint(rel.dot(g.rowDirection()) / g.columnSpacingMm());
        double row = Math.rint(rel.dot(g.columnDirection()) / g.rowSpacingMm());
        Vec3 snapped = g.pixelToPatient(col, row).minus(hc);
        double[] q = applyT(rot, snapped.x(), snapped.y(), snapped.z());
        l.cx = q[0]; l.cy = q[1]; l.cz = q[2];
    }

    // ------------------------------------------------------------------ maths

    private static double[] randomUnit(PhantomRandom rnd) {
        double x, y, z, n;
        do { x = rnd.uniform(-1, 1); y = rnd.uniform(-1, 1); z = rnd.uniform(-1, 1); n = Math.sqrt(x * x + y * y + z * z); } while (n < 0.1 || n > 1);
        return new double[] {x / n, y / n, z / n};
    }

    /** Rz(yaw) * Ry(roll) * Rx(pitch), row-major. */
    static double[] rotation(double yaw, double roll, double pitch) {
        double cz = StrictMath.cos(yaw), sz = StrictMath.sin(yaw), cy = StrictMath.cos(roll), sy = StrictMath.sin(roll), cx = StrictMath.cos(pitch), sx = StrictMath.sin(pitch);
        double[] rz = {cz, -sz, 0, sz, cz, 0, 0, 0, 1};
        double[] ry = {cy, 0, sy, 0, 1, 0, -sy, 0, cy};
        double[] rx = {1, 0, 0, 0, cx, -sx, 0, sx, cx};
        return mul(mul(rz, ry), rx);
    }

    private static double[] mul(double[] a, double[] b) {
        double[] r = new double[9];
        for (int i = 0; i < 3; i++) for (int j = 0; j < 3; j++) {
            double s = 0;
            for (int k = 0; k < 3; k++) s += a[3 * i + k] * b[3 * k + j];
            r[3 * i + j] = s;
        }
        return r;
    }

    /** R^T v: patient direction to head coordinates. */
    static double[] applyT(double[] r, double x, double y, double z) {
        return new double[] {r[0] * x + r[3] * y + r[6] * z, r[1] * x + r[4] * y + r[7] * z, r[2] * x + r[5] * y + r[8] * z};
    }

    static Vec3 toPatient(double[] r, Vec3 c, double u, double v, double w) {
        return new Vec3(c.x() + r[0] * u + r[1] * v + r[2] * w, c.y() + r[3] * u + r[4] * v + r[5] * w, c.z() + r[6] * u + r[7] * v + r[8] * w);
    }

    static double[] gaussianKernel(double sigma, int radius) {
        double[] k = new double[2 * radius + 1];
        double sum = 0;
        for (int i = -radius; i <= radius; i++) { k[i + radius] = StrictMath.exp(-0.5 * i * i / (sigma * sigma)); sum += k[i + radius]; }
        for (int i = 0; i < k.length; i++) k[i] /= sum;
        return k;
    }

    /** Separable blur in place (edges clamped). */
    static void blur(double[] a, double[] tmp, int cols, int rows, double[] k) {
        int rad = k.length / 2;
        for (int r = 0; r < rows; r++) {
            int o = r * cols;
            for (int c = 0; c < cols; c++) {
                double s = 0;
                if (c >= rad && c < cols - rad) {
                    for (int j = -rad, i = o + c - rad; j <= rad; j++, i++) s += k[j + rad] * a[i];
                } else {
                    for (int j = -rad; j <= rad; j++) {
                        int cc = c + j;
                        cc = cc < 0 ? 0 : (cc >= cols ? cols - 1 : cc);
                        s += k[j + rad] * a[o + cc];
                    }
                }
                tmp[o + c] = s;
            }
        }
        java.util.Arrays.fill(a, 0, cols * rows, 0.0);
        for (int r = 0; r < rows; r++) {
            for (int j = -rad; j <= rad; j++) {
                int rr = r + j;
                rr = rr < 0 ? 0 : (rr >= rows ? rows - 1 : rr);
                double w = k[j + rad];
                int src = rr * cols, dst = r * cols;
                for (int c = 0; c < cols; c++) a[dst + c] += w * tmp[src + c];
            }
        }
    }

    private static double round6(double v) { return Math.rint(v * 1e6) / 1e6 + 0.0; }
    private static double round3(double v) { return Math.rint(v * 1e3) / 1e3 + 0.0; }
    private static double round2(double v) { return Math.rint(v * 1e2) / 1e2 + 0.0; }
    private static Vec3 round(Vec3 v) { return new Vec3(round2(v.x()), round2(v.y()), round2(v.z())); }
}
