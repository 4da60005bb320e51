"""Copy a jar, dropping the Class-Path header (and its continuation lines) from its manifest."""
import sys, zipfile

src, dst = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
    for item in zin.infolist():
        data = zin.read(item.filename)
        if item.filename == "META-INF/MANIFEST.MF":
            out, skipping = [], False
            for line in data.decode("utf-8").splitlines():
                if line.startswith("Class-Path:"):
                    skipping = True
                    continue
                if skipping and line.startswith(" "):
                    continue
                skipping = False
                out.append(line)
            data = ("\r\n".join(out).rstrip() + "\r\n\r\n").encode("utf-8")
        zout.writestr(item, data)
