package org.ichnode.testkit.phantom;

import java.util.ArrayList;
import java.util.List;

/**
 * The analytic head: every structure is a signed distance function (SDF, mm, negative inside) in head-local
 * coordinates (u = patient left, v = posterior, w = superior, origin at the centre of the cranium), painted back
 * to front. Edges are blended over one pixel (a linear ramp of the SDF), which gives in-plane partial volume;
 * through-plane partial volume comes from the generator averaging several samples across the slice thickness.
 */
final class HeadModel {
    static final int T_AIR = Tissue.AIR.ordinal(), T_SKIN = Tissue.SKIN.ordinal(), T_FAT = Tissue.FAT.ordinal(),
            T_SOFT = Tissue.SOFT_TISSUE.ordinal(), T_SKULL = Tissue.SKULL.ordinal(), T_BASE = Tissue.SKULL_BASE_BONE.ordinal(),
            T_PETROUS = Tissue.PETROUS_BONE.ordinal(), T_SINUS = Tissue.SINUS_AIR.ordinal(), T_CSF = Tissue.CSF.ordinal(),
            T_GM = Tissue.GREY_MATTER.ordinal(), T_WM = Tissue.WHITE_MATTER.ordinal(), T_VENT = Tissue.VENTRICLE.ordinal(),
            T_DEEP = Tissue.DEEP_GREY.ordinal(), T_STEM = Tissue.BRAINSTEM.ordinal(), T_FALX = Tissue.FALX.ordinal(),
            T_CALC = Tissue.CALCIFICATION.ordinal(), T_ORBIT = Tissue.ORBIT_FAT.ordinal(), T_GLOBE = Tissue.GLOBE.ordinal(),
            T_EDEMA = Tissue.EDEMA.ordinal(), T_BLOOD = Tissue.BLOOD.ordinal();

    private static final double BIG = 1e9;

    // ---- global shape parameters
    final double s;                 // head scale
    final double A, B, cUp, cDown;  // outer table semi-axes (cUp above w = 0, cDown below)
    final double t0, tAmp, tPh1, tPh2;   // skull thickness
    final double tableHu, diploeHu, baseHu, petrousHu;
    final double csfW, cortexT, sulcW, sulcDepth, fissW, sylvW, vf;
    final double gmHu, wmHu, csfHu, ventHu, softHu, fatHu, skinHu;
    /**
     * What real CT shows against the skull and the phantom lacked (the real normal heads' false findings, docs/phantom.md):
     * beam hardening and partial volume raise the HU just inside the inner table by {@code hardeningHu}, falling off over
     * {@code hardeningMm}; the dural venous sinuses (superior sagittal, transverse) are blood at {@code sinusHu}.
     */
    final double hardeningHu, hardeningMm, sinusHu;
    static final int WAVES = 5;
    final double[] gk = new double[3 * WAVES];   // gyral field wave vectors
    final double[] gph = new double[WAVES];      // phases
    final double gkMag;
    // ventricles: centre and semi-axes, 6 values each
    final double[] vent;
    final double[] deep;
    final List<Confounder> calcLocal = new ArrayList<>();  // centres in head coordinates
    // gravity (posterior in patient space) in head coordinates
    double gx, gy, gz;

    // ---- rendering state
    double rampW = 0.5, halfW = 0.25;
    LesionShape[] lesions = new LesionShape[0];
    boolean anySah;

    // ---- sample output
    double hu;
    int tissue;
    int bits;
    double near;

    HeadModel(PhantomRandom rnd, double scale, boolean skullRealism) {
        s = scale;
        A = 70 * s * rnd.uniform(0.95, 1.04);
        B = 90 * s * rnd.uniform(0.96, 1.04);
        cUp = 78 * s * rnd.uniform(0.95, 1.05);
        cDown = 115 * s;
        t0 = rnd.uniform(5.0, 7.0);
        tAmp = rnd.uniform(0.4, 1.2);
        tPh1 = rnd.uniform(0, 6.283);
        tPh2 = rnd.uniform(0, 6.283);
        tableHu = rnd.uniform(1350, 1500);
        diploeHu = rnd.uniform(760, 950);
        baseHu = rnd.uniform(850, 1100);
        petrousHu = rnd.uniform(1700, 2000);
        double atrophy = rnd.nextDouble();           // 0 young .. 1 atrophic
        // real young brains touch the inner table in places: the band of CSF can be thinner than a pixel
        csfW = skullRealism ? 0.4 + 3.3 * atrophy : 1.2 + 2.5 * atrophy;
        cortexT = rnd.uniform(2.5, 3.5);
        sulcW = 1.0 + 2.5 * atrophy;
        sulcDepth = rnd.uniform(10, 16);
        fissW = 1.5 + 3 * atrophy;
        sylvW = 2 + 4 * atrophy;
        vf = 0.85 + 0.8 * atrophy * rnd.uniform(0.6, 1.0);
        gmHu = rnd.uniform(33, 38);
        wmHu = rnd.uniform(23, 27);
        csfHu = rnd.uniform(3, 12);
        ventHu = csfHu + rnd.uniform(-1, 1);
        softHu = rnd.uniform(40, 55);
        fatHu = rnd.uniform(-100, -80);
        skinHu = rnd.uniform(35, 50);
        gkMag = 2 * Math.PI / 30;
        for (int i = 0; i < WAVES; i++) {
            double x, y, z, n;
            do { x = rnd.uniform(-1, 1); y = rnd.uniform(-1, 1); z = rnd.uniform(-1, 1); n = Math.sqrt(x * x + y * y + z * z); } while (n < 0.2 || n > 1);
            double km = 2 * Math.PI / rnd.uniform(22, 36);
            gk[3 * i] = x / n * km; gk[3 * i + 1] = y / n * km; gk[3 * i + 2] = z / n * km;
            gph[i] = rnd.uniform(0, 6.283);
        }
        List<double[]> v = new ArrayList<>();
        for (int sd = -1; sd <= 1; sd += 2) {
            v.add(new double[] {sd * 9, -18, 14, 5 * vf, 13, 7});       // frontal horn
            v.add(new double[] {sd * 11, 5, 18, 5.5 * vf, 19, 5.5});    // body
            v.add(new double[] {sd * 17, 28, 10, 7 * vf, 9, 8});        // atrium
            v.add(new double[] {sd * 16, 42, 8, 4 * vf, 10, 4});        // occipital horn
            v.add(new double[] {sd * 28, 2, -14, 3 * vf, 12, 3});       // temporal horn
        }
        v.add(new double[] {0, 2, 0, 2.2 * vf, 12, 8});                 // third
        v.add(new double[] {0, 38, -42, 7, 4, 7});                      // fourth
        vent = flatten(v, s);
        List<double[]> d = new ArrayList<>();
        for (int sd = -1; sd <= 1; sd += 2) {
            d.add(new double[] {sd * 16, -5, 0, 7, 13, 9});             // lentiform / caudate
            d.add(new double[] {sd * 9, 13, 3, 7, 10, 8});              // thalamus
        }
        deep = flatten(d, s);
        // calcifications (confounders)
        if (rnd.chance(0.75)) calcLocal.add(new Confounder("pineal", new org.ichnode.core.geometry.Vec3(0, 20 * s, 2 * s), rnd.uniform(1.5, 3.5), rnd.uniform(110, 300)));
        for (int sd = -1; sd <= 1; sd += 2) {
            if (rnd.chance(0.7)) calcLocal.add(new Confounder("choroid plexus", new org.ichnode.core.geometry.Vec3(sd * 17 * s, 29 * s, 9 * s), rnd.uniform(2, 3.5), rnd.uniform(120, 350)));
        }
        if (rnd.chance(0.15)) {
            int sd = rnd.sign();
            calcLocal.add(new Confounder("basal ganglia", new org.ichnode.core.geometry.Vec3(sd * 17 * s, -2 * s, 0), rnd.uniform(1.5, 3), rnd.uniform(100, 180)));
        }
        // drawn from their own stream, so that adding them left every other draw (and so every lesion) where it was
        java.util.SplittableRandom own = new java.util.SplittableRandom(Double.doubleToLongBits(tableHu) ^ Double.doubleToLongBits(gmHu));
        hardeningHu = skullRealism ? 8 + 14 * own.nextDouble() : 0;
        hardeningMm = skullRealism ? 1.5 + 2.5 * own.nextDouble() : 1;
        sinusHu = skullRealism ? 52 + 14 * own.nextDouble() : 0;
        if (rnd.chance(0.2)) calcLocal.add(new Confounder("falx", new org.ichnode.core.geometry.Vec3(0, rnd.uniform(-40, 30) * s, rnd.uniform(35, 50) * s), rnd.uniform(1.5, 3), rnd.uniform(150, 400)));
    }

    private static double[] flatten(List<double[]> l, double s) {
        double[] r = new double[l.size() * 6];
        for (int i = 0; i < l.size(); i++) for (int j = 0; j < 6; j++) r[6 * i + j] = l.get(i)[j] * s;
        return r;
    }

    void setRamp(double pixelSpacingMm) {
        rampW = pixelSpacingMm;
        halfW = 0.5 * pixelSpacingMm;
    }

    // ------------------------------------------------------------------ SDF helpers

    /** Approximate SDF of an axis-aligned ellipsoid centred at the origin (Quilez' bound; exact near the surface). */
    static double ellipsoid(double x, double y, double z, double a, double b, double c) {
        double px = x / a, py = y / b, pz = z / c;
        double k0 = Math.sqrt(px * px + py * py + pz * pz);
        double qx = px / a, qy = py / b, qz = pz / c;
        double k1 = Math.sqrt(qx * qx + qy * qy + qz * qz);
        if (k1 < 1e-12) return -Math.min(a, Math.min(b, c));
        return k0 * (k0 - 1) / k1;
    }

    static double capsule(double x, double y, double z, double ax, double ay, double az, double bx, double by, double bz, double r) {
        double px = x - ax, py = y - ay, pz = z - az, dx = bx - ax, dy = by - ay, dz = bz - az;
        double h = (px * dx + py * dy + pz * dz) / (dx * dx + dy * dy + dz * dz);
        h = h < 0 ? 0 : (h > 1 ? 1 : h);
        px -= dx * h; py -= dy * h; pz -= dz * h;
        return Math.sqrt(px * px + py * py + pz * pz) - r;
    }

    static double smoothstep(double e0, double e1, double x) {
        double t = (x - e0) / (e1 - e0);
        t = t < 0 ? 0 : (t > 1 ? 1 : t);
        return t * t * (3 - 2 * t);
    }

    static double clamp(double x, double lo, double hi) { return x < lo ? lo : (x > hi ? hi : x); }

    double outerSdf(double u, double v, double w) { return ellipsoid(u, v, w, A, B, w > 0 ? cUp : cDown); }

    double thickness(double nu, double nv, double nw) {
        double t = t0 + 1.6 * nv * nv - 2.4 * nu * nu * clamp(1 - Math.abs(nw) * 1.5, 0, 1)
                + tAmp * PMath.sin(3.1 * nu + tPh1) * PMath.sin(2.7 * nv + tPh2);
        return clamp(t, 2.5, 10);
    }

    /** Height (w) of the floor of the cranial cavity at (u, v): anterior, middle and posterior fossae. */
    double floor(double u, double v) {
        double au = Math.abs(u);
        double dome = 1 - (au - 28 * s) * (au - 28 * s) / (22 * s * 22 * s);   // orbital roofs
        double ant = -36 * s + 9 * s * (dome > 0 ? dome : 0);
        double mid = -42 * s + (-56 * s + 42 * s) * smoothstep(12 * s, 24 * s, au);
        double post = -85 * s;
        double f = ant + (mid - ant) * smoothstep(-36 * s, -22 * s, v);
        return f + (post - f) * smoothstep(6 * s, 20 * s, v);
    }

    /** Direction of (u,v,w) in the ellipsoid-normalised frame, written to dir; returns the normalised radius. */
    double ellDir(double u, double v, double w, double[] dir) {
        double c = w > 0 ? cUp : cDown;
        double x = u / A, y = v / B, z = w / c;
        double k = Math.sqrt(x * x + y * y + z * z);
        if (k < 1e-9) { dir[0] = 0; dir[1] = 0; dir[2] = 1; return 0; }
        dir[0] = x / k; dir[1] = y / k; dir[2] = z / k;
        return k;
    }

    private final double[] tmpDir = new double[3];

    /** SDF of the intracranial cavity (inner table and cranial floor). */
    double cavitySdf(double u, double v, double w) {
        ellDir(u, v, w, tmpDir);
        double dIn = outerSdf(u, v, w) + thickness(tmpDir[0], tmpDir[1], tmpDir[2]);
        return Math.max(dIn, floor(u, v) - w);
    }

    double brainSdf(double u, double v, double w) { return cavitySdf(u, v, w) + csfW; }

    double ventricleSdf(double u, double v, double w) {
        double d = BIG;
        for (int i = 0; i < vent.length; i += 6) {
            double e = ellipsoid(u - vent[i], v - vent[i + 1], w - vent[i + 2], vent[i + 3], vent[i + 4], vent[i + 5]);
            if (e < d) d = e;
        }
        return d;
    }

    /** Inner-table surface point (head coordinates) in ellipsoidal direction (az, el), moved inward by depth mm. */
    double[] innerPoint(double az, double el, double depth) {
        double nu = StrictMath.cos(el) * StrictMath.cos(az), nv = StrictMath.cos(el) * StrictMath.sin(az), nw = StrictMath.sin(el);
        double c = nw > 0 ? cUp : cDown;
        double x = nu * A, y = nv * B, z = nw * c;
        double r = Math.sqrt(x * x + y * y + z * z);
        double k = (r - thickness(nu, nv, nw) - depth) / r;
        return new double[] {x * k, y * k, z * k};
    }

    // ------------------------------------------------------------------ painting

    private void paint(double d, double val, int t) {
        double ad = d < 0 ? -d : d;
        if (ad < near) near = ad;
        if (d >= halfW) return;
        if (d <= -halfW) {
            hu = val;
            tissue = t;
            return;
        }
        hu += (val - hu) * (0.5 - d / rampW);
        if (d < 0) tissue = t;
    }

    /** Renders one point; with {@code centre} also the tissue label and lesion bits of that point. */
    void sample(double u, double v, double w) {
        near = BIG;
        bits = 0;
        double[] dir = tmpDir;
        ellDir(u, v, w, dir);
        double nu = dir[0], nv = dir[1], nw = dir[2];
        double dOut = outerSdf(u, v, w);
        double sc = 4 + 6 * clamp((Math.abs(nu) - 0.55) / 0.35, 0, 1) * clamp((0.45 - nw) / 0.3, 0, 1);
        double dSkin = dOut - sc;
        hu = -1000;
        tissue = T_AIR;
        if (dSkin >= halfW) {
            near = dSkin;
            return;
        }
        paint(dSkin, skinHu, T_SKIN);
        double fatT = 0.35 * sc;
        double e = -dSkin;
        paint(Math.max(1.5 - e, e - (1.5 + fatT)), fatHu, T_FAT);
        paint(dSkin + 1.5 + fatT, softHu, T_SOFT);

        double t = thickness(nu, nv, nw);
        double dIn = dOut + t;
        double fl = floor(u, v);
        // calvarium, with diploe
        double f = clamp(-dOut / t, 0, 1);
        double g = Math.abs(2 * f - 1);
        double dip = t < 4 ? diploeHu + (4 - t) / 1.5 * (tableHu - diploeHu) * 0.7 : diploeHu;
        double boneVal = dip + (tableHu - dip) * clamp((g - 0.25) / 0.55, 0, 1);
        if (dIn < 0) boneVal = baseHu;
        paint(dOut, boneVal, dIn < 0 ? T_BASE : T_SKULL);
        double baseT = 6 * s;
        if (w < fl + 4) {
            // below the skull base plate: soft tissue of face and neck
            paint(Math.max(dIn, w - (fl - baseT)), softHu, T_SOFT);
        }
        if (w < 5 * s) skullBase(u, v, w, dSkin, dOut, dIn);

        double dCav = Math.max(dIn, fl - w);
        double dBrain = BIG, sdSulc = BIG, sdFiss = BIG, sdSyl = BIG, sdCist = BIG, sdVent = BIG;
        if (dCav < halfW + 3) {
            paint(dCav, csfHu, T_CSF);
            dBrain = dCav + csfW;
            paint(dBrain, gmHu, T_GM);
            double depth = -dBrain;
            double ds = BIG;
            if (depth < sulcDepth + cortexT + 3) {
                double gxv = 0, gyv = 0, gzv = 0, fv = 0;
                for (int i = 0; i < WAVES; i++) {
                    double kx = gk[3 * i], ky = gk[3 * i + 1], kz = gk[3 * i + 2];
                    double a = kx * u + ky * v + kz * w + gph[i];
                    double c = PMath.cos(a), sn = PMath.sin(a);
                    fv += c;
                    gxv -= sn * kx; gyv -= sn * ky; gzv -= sn * kz;
                }
                double gn = Math.sqrt(gxv * gxv + gyv * gyv + gzv * gzv);
                ds = Math.abs(fv) / Math.max(gn, 0.6 * gkMag);
            }
            double sdSG = Math.max(ds - sulcW / 2 - cortexT, depth - sulcDepth - cortexT);
            paint(Math.max(dBrain + cortexT, -sdSG), wmHu, T_WM);
            sdSulc = Math.max(Math.max(ds - sulcW / 2, depth - sulcDepth), dBrain);
            paint(sdSulc, csfHu, T_CSF);
            double au = Math.abs(u);
            if (au < 30 * s && Math.abs(w) < 25 * s && Math.abs(v) < 35 * s) {
                double dd = BIG;
                for (int i = 0; i < deep.length; i += 6) {
                    dd = Math.min(dd, ellipsoid(u - deep[i], v - deep[i + 1], w - deep[i + 2], deep[i + 3], deep[i + 4], deep[i + 5]));
                }
                paint(dd, gmHu - 1, T_DEEP);
            }
            if (au < fissW + 4) {
                sdFiss = Math.max(Math.max(au - fissW / 2, Math.min(22 * s - w, 38 * s - Math.abs(v))), dCav);
                paint(sdFiss, csfHu, T_CSF);
                paint(Math.max(Math.max(au - 0.5, Math.min(26 * s - w, 44 * s - Math.abs(v))), dCav), 50, T_FALX);
            }
            if (au > 18 * s && w < 8 * s && w > -25 * s) {
                double sd = u > 0 ? 1 : -1;
                sdSyl = Math.max(ellipsoid(u - sd * 42 * s, v + 8 * s, w + 8 * s, 20 * s, sylvW / 2, 11 * s), dCav);
                paint(sdSyl, csfHu, T_CSF);
            }
            if (w < -5 * s && au < 30 * s && v > -25 * s && v < 45 * s) {
                double stem = ellipsoid(u, v - 18 * s, w + 38 * s, 12 * s, 11 * s, 26 * s);
                double amb = ellipsoid(u, v - 18 * s, w + 36 * s, 12 * s + 4, 11 * s + 4, 24 * s);
                double supra = ellipsoid(u, v + 8 * s, w + 28 * s, 11 * s, 8 * s, 5 * s);
                sdCist = Math.max(Math.min(Math.max(amb, -stem), supra), dCav);
                paint(sdCist, csfHu, T_CSF);
                paint(stem, wmHu + 4, T_STEM);
            }
            if (au < 45 * s * vf + 5 && w > -30 * s && w < 35 * s && v > -40 * s && v < 60 * s) {
                sdVent = Math.max(ventricleSdf(u, v, w), dCav);
                paint(sdVent, ventHu, T_VENT);
            }
            for (Confounder cf : calcLocal) {
                double x = u - cf.centre().x(), y = v - cf.centre().y(), z = w - cf.centre().z();
                double r2 = x * x + y * y + z * z, lim = cf.radiusMm() + 4;
                if (r2 < lim * lim) paint(Math.sqrt(r2) - cf.radiusMm(), cf.hu(), T_CALC);
            }
            // dural venous sinuses: triangles against the inner table, 7 mm wide there and 5 mm deep
            double depthIn = -dCav;
            if (sinusHu > 0 && depthIn < 6) {
                double taper = 3.5 * (1 - depthIn / 5);
                if (au < 5 && w > -20 * s) paint(Math.max(au - taper, dCav), sinusHu, T_FALX);                       // superior sagittal
                double wT = -22 * s;
                if (v > 25 * s && Math.abs(w - wT) < 5) paint(Math.max(Math.abs(w - wT) - taper, dCav), sinusHu, T_FALX); // transverse
            }
        }
        if (w < -25 * s && w > -80 * s && v > -10 * s && v < 45 * s) {
            double sd = u > 0 ? 1 : -1;
            paint(capsule(u, v, w, sd * 50 * s, 26 * s, -60 * s, sd * 16 * s, 4 * s, -50 * s, 7 * s), petrousHu, T_PETROUS);
        }
        if (lesions.length > 0 && dCav < 40) {
            double sdSA = BIG;
            if (anySah) {
                sdSA = Math.min(Math.min(Math.max(dCav, -dBrain), sdSulc), Math.min(Math.min(sdFiss, sdSyl), sdCist));
                sdSA = Math.max(sdSA, -sdVent);
            }
            for (int i = 0; i < lesions.length; i++) {
                LesionShape l = lesions[i];
                double x = u - l.cx, y = v - l.cy, z = w - l.cz;
                double r2 = x * x + y * y + z * z;
                if (r2 > l.bound * l.bound) continue;
                double d;
                switch (l.type) {
                    case INTRAPARENCHYMAL -> {
                        double r = Math.sqrt(r2);
                        double rr = l.size;
                        if (r > 1e-9) {
                            double px = x / r, py = y / r, pz = z / r;
                            double m = 0;
                            for (int k = 0; k < 3; k++) {
                                m += l.amp[k] * PMath.sin(l.freq[k] * (px * l.dirs[3 * k] + py * l.dirs[3 * k + 1] + pz * l.dirs[3 * k + 2]) + l.phase[k]);
                            }
                            rr *= 1 + m;
                        }
                        if (l.edema > 0) {
                            paint(Math.max(Math.max(r - rr - l.edema, dBrain), -sdVent), 20, T_EDEMA);
                        }
                        d = Math.max(r - rr, dCav);
                    }
                    case SUBDURAL, EPIDURAL -> {
                        if (Math.abs(dIn) > l.size + 3) continue;
                        double cosang = nu * l.dirs[0] + nv * l.dirs[1] + nw * l.dirs[2];
                        if (cosang < l.cosLimit) continue;
                        double az = StrictMath.atan2(nv, nu), el = StrictMath.asin(clamp(nw, -1, 1));
                        double da = az - l.az;
                        if (da > Math.PI) da -= 2 * Math.PI;
                        if (da < -Math.PI) da += 2 * Math.PI;
                        double de = el - l.el;
                        double rho2 = (da / l.alphaA) * (da / l.alphaA) + (de / l.alphaW) * (de / l.alphaW);
                        double th = l.size * (1 - (l.type == LesionType.SUBDURAL ? rho2 * rho2 : rho2));
                        d = Math.max(Math.max(dIn, -dIn - th), fl - w);
                        if (l.type == LesionType.SUBDURAL) d = Math.max(d, l.side * -u + 1.5);
                    }
                    case SUBARACHNOID -> {
                        double reg = ellipsoid(x, y, z, l.rx, l.ry, l.rz);
                        d = Math.max(sdSA, reg);
                    }
                    case INTRAVENTRICULAR -> {
                        double reg = Math.sqrt(r2) - l.size;
                        double layer = l.level - (u * gx + v * gy + w * gz);
                        d = Math.max(Math.max(sdVent, reg), layer);
                    }
                    default -> throw new IllegalStateException();
                }
                double val = l.hu + l.huVar * PMath.sin(0.35 * (x * 0.8 + y * 0.5 - z * 0.3) + l.phase[0]);
                paint(d, val, T_BLOOD);
                if (d < 0) bits |= 1 << i;
            }
        }
        // beam hardening and partial volume against the inner table, on whatever lies there (brain, CSF or blood)
        if (hardeningHu > 0 && dCav < 0 && dCav > -5 * hardeningMm) hu += hardeningHu * Math.exp(dCav / hardeningMm);
    }

    private void skullBase(double u, double v, double w, double dSkin, double dOut, double dIn) {
        double au = Math.abs(u), sd = u > 0 ? 1 : -1;
        // frontal sinus inside the frontal bone
        if (v < -50 * s && au < 20 * s && w > -35 * s) {
            double fs = ellipsoid(u, v + B * 0.96 - 7, w + 16 * s, 13 * s, 5 * s, 9 * s);
            paint(Math.max(Math.max(fs, 0.8 - dIn), dOut + 1.2), -980, T_SINUS);
        }
        if (w > -85 * s && w < -20 * s) {
            // orbits with globes
            if (v < -40 * s && au > 10 * s) {
                double ob = ellipsoid(u - sd * 31 * s, v + 66 * s, w + 48 * s, 17 * s, 24 * s, 16 * s);
                paint(Math.max(ob, dSkin + 2), fatHu, T_ORBIT);
                double gl = ellipsoid(u - sd * 31 * s, v + 76 * s, w + 48 * s, 11.5 * s, 11.5 * s, 11.5 * s);
                paint(Math.max(gl, dSkin + 1), 12, T_GLOBE);
            }
            // ethmoid cells and nasal cavity: honeycomb air
            if (au < 20 * s && v < -25 * s) {
                double et = ellipsoid(u, v + 62 * s, w + 55 * s, 12 * s, 22 * s, 17 * s);
                if (et < halfW + 2) paint(et, honeycomb(u, v, w, 0.75, -0.6, -880, 250), T_SINUS);
            }
            // sphenoid sinus with its bony wall
            if (au < 25 * s && v > -35 * s && v < 10 * s) {
                double sp = ellipsoid(u, v + 12 * s, w + 58 * s, 15 * s, 12 * s, 10 * s);
                paint(sp - 2, baseHu, T_BASE);
                paint(sp, -980, T_SINUS);
            }
            // mastoid air cells
            if (au > 30 * s && v > 5 * s) {
                double ma = ellipsoid(u - sd * 52 * s, v - 30 * s, w + 68 * s, 11 * s, 12 * s, 13 * s);
                if (ma < halfW + 2) paint(ma, honeycomb(u, v, w, 1.0, -0.9, -950, 900), T_SINUS);
            }
        }
    }

    /** Air cells with bony septa: a thresholded sum of sines, blended over a narrow band. */
    private static double honeycomb(double u, double v, double w, double k, double thr, double airHu, double boneHu) {
        double fv = PMath.sin(k * u) + PMath.sin(k * v + 1.0) + PMath.sin(k * w + 2.0);
        double a = clamp(0.5 + (fv - thr) * 1.2, 0, 1);
        return a * airHu + (1 - a) * boneHu;
    }

    /** Geometry of one hemorrhage in head coordinates. */
    static final class LesionShape {
        LesionType type;
        double cx, cy, cz, bound;
        double size;               // radius (IPH, IVH region), max thickness (SDH/EDH)
        double hu, huVar;
        double edema;
        double[] amp = new double[3], freq = new double[3], phase = new double[3], dirs = new double[9];
        double az, el, alphaA, alphaW, cosLimit;
        int side;
        double rx, ry, rz;         // SAH region
        double level = -BIG;       // IVH fluid level along gravity
    }
}
