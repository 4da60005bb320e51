-- Urgent series first: a job's priority comes from the selection rules (e.g. a STAT series description); workers
-- claim the highest priority first, then the oldest. Portable SQL as V1.
ALTER TABLE job ADD COLUMN priority INTEGER NOT NULL DEFAULT 0;
CREATE INDEX ix_job_claim ON job (state, priority, id);
