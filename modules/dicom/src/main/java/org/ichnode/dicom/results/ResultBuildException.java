package org.ichnode.dicom.results;

/** A result object could not be built from the given input; the message says what is wrong with it. */
public class ResultBuildException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public ResultBuildException(String message) { super(message); }

    public ResultBuildException(String message, Throwable cause) { super(message, cause); }
}
