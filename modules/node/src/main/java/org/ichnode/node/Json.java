package org.ichnode.node;

import com.fasterxml.jackson.databind.ObjectMapper;

/** The node's one Jackson mapper (thread-safe once configured): HTTP answers, audit lines, alerts, result summaries. */
final class Json {
    static final ObjectMapper MAPPER = new ObjectMapper();

    private Json() {}
}
