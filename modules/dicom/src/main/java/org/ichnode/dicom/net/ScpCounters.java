package org.ichnode.dicom.net;

import java.util.concurrent.atomic.AtomicLong;

/** What the storage SCP has done since it started, for metrics: read at any time from any thread. */
public final class ScpCounters {
    final AtomicLong associations = new AtomicLong();
    final AtomicLong associationsRejectedBusy = new AtomicLong();
    final AtomicLong instancesStored = new AtomicLong();
    final AtomicLong instancesRefused = new AtomicLong();
    final AtomicLong bytesReceived = new AtomicLong();

    /** Associations served (negotiated or refused during negotiation), not counting those turned away as busy. */
    public long associations() { return associations.get(); }

    /** Connections turned away because maxAssociations were open. */
    public long associationsRejectedBusy() { return associationsRejectedBusy.get(); }

    /** C-STOREs answered with success. */
    public long instancesStored() { return instancesStored.get(); }

    /** C-STOREs answered with a failure status. */
    public long instancesRefused() { return instancesRefused.get(); }

    /** Data set bytes received in C-STOREs. */
    public long bytesReceived() { return bytesReceived.get(); }
}
