package org.ichnode.dicom.net;

/** The peer broke the DICOM upper layer protocol: the association is aborted. */
class ProtocolException extends RuntimeException {
    ProtocolException(String message) { super(message); }
}
