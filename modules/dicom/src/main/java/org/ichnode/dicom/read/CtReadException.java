package org.ichnode.dicom.read;

import java.io.IOException;
import java.nio.file.Path;

/** A file that cannot be turned into CT slices: not DICOM, not CT, no geometry, unsupported pixel data. */
public class CtReadException extends IOException {
    private static final long serialVersionUID = 1L;
    private final transient Path file;

    public CtReadException(Path file, String message) {
        super(file + ": " + message);
        this.file = file;
    }

    public CtReadException(Path file, String message, Throwable cause) {
        super(file + ": " + message, cause);
        this.file = file;
    }

    public Path file() { return file; }
}
