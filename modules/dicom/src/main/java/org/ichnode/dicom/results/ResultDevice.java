package org.ichnode.dicom.results;

import org.ichnode.core.segmentation.Segmentation;
import org.ichnode.dicom.UidGenerator;

import java.util.Objects;

/**
 * Who made a result: written as equipment attributes (Manufacturer, ManufacturerModelName, SoftwareVersions,
 * DeviceSerialNumber), as the SEG's algorithm identification and as the SR's device observer context.
 *
 * @param manufacturer    "ich-node"
 * @param algorithmName   the segmenter's name (ManufacturerModelName, SegmentAlgorithmName, device observer model)
 * @param algorithmVersion the segmenter's version (SoftwareVersions)
 * @param serialNumber    DeviceSerialNumber (Type 1 in Enhanced General Equipment): the node's name
 * @param deviceUid       device observer UID: stable for the same node and algorithm
 */
public record ResultDevice(String manufacturer, String algorithmName, String algorithmVersion, String serialNumber,
                           String deviceUid) {
    public static final String MANUFACTURER = "ich-node";

    public ResultDevice {
        nonBlank(manufacturer, "manufacturer");
        nonBlank(algorithmName, "algorithmName");
        nonBlank(algorithmVersion, "algorithmVersion");
        nonBlank(serialNumber, "serialNumber");
        nonBlank(deviceUid, "deviceUid");
        if (deviceUid.length() > 64 || !deviceUid.matches("[0-9]+(\\.[0-9]+)*")) {
            throw new ResultBuildException("deviceUid is not a UID: " + deviceUid);
        }
    }

    /** The device for a segmentation result on node {@code nodeName}; the UID derives from node, algorithm and version. */
    public static ResultDevice of(Segmentation segmentation, String nodeName) {
        Objects.requireNonNull(segmentation, "segmentation");
        return new ResultDevice(MANUFACTURER, segmentation.algorithmName(), segmentation.algorithmVersion(), nodeName,
                UidGenerator.fromName("ich-node device " + nodeName + " " + segmentation.algorithmName() + " "
                        + segmentation.algorithmVersion()));
    }

    private static void nonBlank(String s, String what) {
        if (s == null || s.isBlank()) throw new ResultBuildException(what + " is missing");
    }
}
