-- Where the FHIR DiagnosticReport pull got to, per source (the FHIR base URL), so the next pull asks only for what
-- changed since: _lastUpdated=ge<last_updated>. The resources seen at exactly that instant are kept as well: the next
-- pull gets them again (ge) and skips them, so pulling again stores nothing twice. Portable SQL as V1 (PostgreSQL and
-- H2 in MODE=PostgreSQL).
CREATE TABLE fhir_cursor (
    source_key          VARCHAR(1000) PRIMARY KEY,
    -- the latest meta.lastUpdated of a resource handled (stored, recognised as stored, or skipped as unmappable)
    last_updated        TIMESTAMP WITH TIME ZONE NOT NULL,
    -- the resources handled whose meta.lastUpdated is last_updated: "DiagnosticReport/<id>/_history/<version>", one a line
    ids_at_last_updated TEXT NOT NULL,
    updated_at          TIMESTAMP WITH TIME ZONE NOT NULL
);
