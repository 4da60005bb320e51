package org.ichnode.dicom.spool;

import java.nio.file.Path;

/** A received instance whose file is written, synced and in its final place. */
public record StoredInstance(InstanceHeader header, Path file, long sizeBytes, String sha256, String callingAeTitle) {}
