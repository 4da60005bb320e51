package org.ichnode.dicom.net;

import java.io.IOException;

/** Where the storage SCP streams the data set of each C-STORE. */
public interface InstanceSink {

    /** Opens a place for one incoming data set; an IOException answers the C-STORE with Out of Resources. */
    Incoming begin(String callingAeTitle, String sopClassUid, String sopInstanceUid, String transferSyntaxUid)
            throws IOException;

    interface Incoming {
        void write(byte[] buffer, int offset, int length) throws IOException;

        /** All bytes are written: make the instance durable and recorded, and say how the C-STORE is answered. */
        StoreResult finish();

        /** Drops what was written (the transfer failed or the association ended). */
        void discard();
    }

    record StoreResult(int status, String errorComment) {
        public static final StoreResult SUCCESS = new StoreResult(DimseStatus.SUCCESS, null);

        public boolean isSuccess() { return status == DimseStatus.SUCCESS; }
    }
}
