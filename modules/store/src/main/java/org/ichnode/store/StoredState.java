package org.ichnode.store;

import java.util.Locale;

/** A state enum whose constants are stored lower-case in a text column (and compared so in native SQL). */
public interface StoredState {
    String name();

    /** The lower-case text stored in the state column. */
    default String dbValue() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The constant of {@code type} stored as {@code value}. */
    static <E extends Enum<E>> E fromDb(Class<E> type, String value) {
        return Enum.valueOf(type, value.toUpperCase(Locale.ROOT));
    }
}
