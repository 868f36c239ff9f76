-- Schema for Orleans' ADO.NET grain storage on PostgreSQL, written for this project.
-- Idempotent, and run under an advisory lock. A silo runs it only when this very script is not yet recorded in
-- schema_version below (PostgresSchema.cs), so an up-to-date database sees no DDL, and no table lock, at a start.
--
-- The provider's contract: it reads its SQL from OrleansQuery by key (WriteToStorageKey,
-- ReadFromStorageKey, ClearStorageKey, DeleteStorageKey), binds @GrainIdHash, @GrainIdN0, @GrainIdN1,
-- @GrainTypeHash, @GrainTypeString (the state name), @GrainIdExtensionString, @ServiceId,
-- @GrainStateVersion (the ETag, null for a first write) and @PayloadBinary, and expects
-- PayloadBinary/Version from a read and NewGrainStateVersion from a write or clear. A write or
-- clear whose expected version is stale must return no version (null), which the provider turns
-- into an InconsistentStateException.

CREATE TABLE IF NOT EXISTS OrleansQuery
(
    QueryKey  varchar(64) NOT NULL PRIMARY KEY,
    QueryText text        NOT NULL
);

CREATE TABLE IF NOT EXISTS grain_state
(
    service_id         varchar(150) NOT NULL,
    state_name         varchar(512) NOT NULL,
    grain_id_hash      integer      NOT NULL,
    state_name_hash    integer      NOT NULL,
    grain_id_n0        bigint       NOT NULL,
    grain_id_n1        bigint       NOT NULL,
    grain_id_extension varchar(512) NULL,
    payload            bytea        NULL,
    version            integer      NOT NULL,
    modified_at        timestamptz  NOT NULL DEFAULT now()
);

-- The hashes lead so the index stays narrow; the full key makes a hash collision harmless.
CREATE UNIQUE INDEX IF NOT EXISTS grain_state_identity ON grain_state
    (grain_id_hash, state_name_hash, service_id, state_name, grain_id_n0, grain_id_n1, coalesce(grain_id_extension, ''));

CREATE OR REPLACE FUNCTION grain_state_write(
    p_grain_id_hash integer, p_grain_id_n0 bigint, p_grain_id_n1 bigint, p_state_name_hash integer,
    p_state_name varchar, p_extension varchar, p_service_id varchar, p_expected_version integer, p_payload bytea)
RETURNS TABLE (NewGrainStateVersion integer)
LANGUAGE plpgsql AS
$body$
DECLARE
    written integer;
BEGIN
    IF p_expected_version IS NULL THEN
        -- First write of this grain's state: a concurrent first write by a duplicate activation loses.
        INSERT INTO grain_state (service_id, state_name, grain_id_hash, state_name_hash, grain_id_n0, grain_id_n1,
                                 grain_id_extension, payload, version)
        VALUES (p_service_id, p_state_name, p_grain_id_hash, p_state_name_hash, p_grain_id_n0, p_grain_id_n1,
                p_extension, p_payload, 1)
        ON CONFLICT DO NOTHING
        RETURNING version INTO written;
    ELSE
        UPDATE grain_state
           SET payload = p_payload, version = version + 1, modified_at = now()
         WHERE grain_id_hash = p_grain_id_hash AND state_name_hash = p_state_name_hash
           AND service_id = p_service_id AND state_name = p_state_name
           AND grain_id_n0 = p_grain_id_n0 AND grain_id_n1 = p_grain_id_n1
           AND coalesce(grain_id_extension, '') = coalesce(p_extension, '')
           AND version = p_expected_version
        RETURNING version INTO written;
    END IF;
    RETURN QUERY SELECT written;
END
$body$;

-- Clearing keeps the row (payload null, version bumped), so the version a grain holds stays meaningful.
CREATE OR REPLACE FUNCTION grain_state_clear(
    p_grain_id_hash integer, p_grain_id_n0 bigint, p_grain_id_n1 bigint, p_state_name_hash integer,
    p_state_name varchar, p_extension varchar, p_service_id varchar, p_expected_version integer)
RETURNS TABLE (NewGrainStateVersion integer)
LANGUAGE plpgsql AS
$body$
DECLARE
    cleared integer;
BEGIN
    UPDATE grain_state
       SET payload = NULL, version = version + 1, modified_at = now()
     WHERE grain_id_hash = p_grain_id_hash AND state_name_hash = p_state_name_hash
       AND service_id = p_service_id AND state_name = p_state_name
       AND grain_id_n0 = p_grain_id_n0 AND grain_id_n1 = p_grain_id_n1
       AND coalesce(grain_id_extension, '') = coalesce(p_extension, '')
       AND version = p_expected_version
    RETURNING version INTO cleared;
    RETURN QUERY SELECT cleared;
END
$body$;

-- For DeleteStateOnClear = true (the provider refuses that option at start when this key is absent).
-- It answers the deleted version + 1: the provider only checks that the answer differs from the
-- ETag it sent, and then forgets the ETag, so the next write is a first write again.
CREATE OR REPLACE FUNCTION grain_state_delete(
    p_grain_id_hash integer, p_grain_id_n0 bigint, p_grain_id_n1 bigint, p_state_name_hash integer,
    p_state_name varchar, p_extension varchar, p_service_id varchar, p_expected_version integer)
RETURNS TABLE (NewGrainStateVersion integer)
LANGUAGE plpgsql AS
$body$
DECLARE
    deleted integer;
BEGIN
    DELETE FROM grain_state
     WHERE grain_id_hash = p_grain_id_hash AND state_name_hash = p_state_name_hash
       AND service_id = p_service_id AND state_name = p_state_name
       AND grain_id_n0 = p_grain_id_n0 AND grain_id_n1 = p_grain_id_n1
       AND coalesce(grain_id_extension, '') = coalesce(p_extension, '')
       AND version = p_expected_version
    RETURNING version + 1 INTO deleted;
    RETURN QUERY SELECT deleted;
END
$body$;

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES
('WriteToStorageKey',
 'SELECT NewGrainStateVersion FROM grain_state_write(@GrainIdHash, @GrainIdN0, @GrainIdN1, @GrainTypeHash, @GrainTypeString, @GrainIdExtensionString, @ServiceId, @GrainStateVersion, @PayloadBinary)'),
('ReadFromStorageKey',
 'SELECT payload AS PayloadBinary, version AS Version FROM grain_state
   WHERE grain_id_hash = @GrainIdHash AND state_name_hash = @GrainTypeHash
     AND service_id = @ServiceId AND state_name = @GrainTypeString
     AND grain_id_n0 = @GrainIdN0 AND grain_id_n1 = @GrainIdN1
     AND coalesce(grain_id_extension, '''') = coalesce(@GrainIdExtensionString, '''')'),
('ClearStorageKey',
 'SELECT NewGrainStateVersion FROM grain_state_clear(@GrainIdHash, @GrainIdN0, @GrainIdN1, @GrainTypeHash, @GrainTypeString, @GrainIdExtensionString, @ServiceId, @GrainStateVersion)'),
('DeleteStorageKey',
 'SELECT NewGrainStateVersion FROM grain_state_delete(@GrainIdHash, @GrainIdN0, @GrainIdN1, @GrainTypeHash, @GrainTypeString, @GrainIdExtensionString, @ServiceId, @GrainStateVersion)')
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText;

-- The users read model behind the admin list (GET /user), fed by the user-event stream.
-- One list per service (SERVICE_ID), like the grain state: services may share a database.
CREATE TABLE IF NOT EXISTS user_directory
(
    service_id  text        NOT NULL,
    id          uuid        NOT NULL,
    name        text        NOT NULL,
    email       text        NOT NULL,
    permissions text[]      NOT NULL,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    version     bigint      NOT NULL,
    active      boolean     NOT NULL,
    PRIMARY KEY (service_id, id)
);
-- A table from before the list was per service gets the column; its rows were the default service's.
ALTER TABLE user_directory ADD COLUMN IF NOT EXISTS service_id text NOT NULL DEFAULT 'auth-service';
CREATE UNIQUE INDEX IF NOT EXISTS user_directory_key ON user_directory (service_id, id);
DROP INDEX IF EXISTS user_directory_email;
DROP INDEX IF EXISTS user_directory_order;
CREATE INDEX IF NOT EXISTS user_directory_service_email ON user_directory (service_id, email) WHERE active;
CREATE INDEX IF NOT EXISTS user_directory_service_order ON user_directory (service_id, created_at, id) WHERE active;

-- Durable reminders (Orleans' ADO.NET reminder service, 10.4): what makes a user grain publish the
-- events left in its outbox after its silo died. The provider binds @ServiceId, @GrainId,
-- @ReminderName, @StartTime, @Period (ms), @GrainHash, @BeginHash, @EndHash and @Version, and reads
-- GrainId, ReminderName, StartTime, Period and Version.
CREATE TABLE IF NOT EXISTS reminder
(
    service_id    varchar(150)   NOT NULL,
    grain_id      varchar(150)   NOT NULL,
    reminder_name varchar(150)   NOT NULL,
    start_time    timestamptz(3) NOT NULL,
    period_ms     bigint         NOT NULL,
    grain_hash    integer        NOT NULL,
    version       integer        NOT NULL,
    PRIMARY KEY (service_id, grain_id, reminder_name)
);
CREATE INDEX IF NOT EXISTS reminder_ring ON reminder (service_id, grain_hash);

CREATE OR REPLACE FUNCTION reminder_upsert(
    p_service_id varchar, p_grain_id varchar, p_name varchar, p_start timestamptz, p_period_ms bigint, p_grain_hash integer)
RETURNS TABLE (Version integer)
LANGUAGE sql AS
$body$
    INSERT INTO reminder AS r (service_id, grain_id, reminder_name, start_time, period_ms, grain_hash, version)
    VALUES (p_service_id, p_grain_id, p_name, p_start, p_period_ms, p_grain_hash, 0)
    ON CONFLICT (service_id, grain_id, reminder_name) DO UPDATE
       SET start_time = EXCLUDED.start_time, period_ms = EXCLUDED.period_ms,
           grain_hash = EXCLUDED.grain_hash, version = r.version + 1
    RETURNING r.version;
$body$;

-- Deletes only the version the caller holds; answers how many rows went (0 or 1).
CREATE OR REPLACE FUNCTION reminder_delete(p_service_id varchar, p_grain_id varchar, p_name varchar, p_version integer)
RETURNS TABLE (Deleted integer)
LANGUAGE sql AS
$body$
    WITH gone AS (
        DELETE FROM reminder
         WHERE service_id = p_service_id AND grain_id = p_grain_id AND reminder_name = p_name AND version = p_version
        RETURNING 1)
    SELECT count(*)::integer FROM gone;
$body$;

CREATE OR REPLACE VIEW reminder_row AS
SELECT service_id, grain_hash,
       grain_id AS GrainId, reminder_name AS ReminderName, start_time AS StartTime, period_ms AS Period, version AS Version
  FROM reminder;

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES
('UpsertReminderRowKey',
 'SELECT Version FROM reminder_upsert(@ServiceId, @GrainId, @ReminderName, @StartTime, @Period::bigint, @GrainHash)'),
('ReadReminderRowsKey',
 'SELECT GrainId, ReminderName, StartTime, Period, Version FROM reminder_row
   WHERE service_id = @ServiceId AND GrainId = @GrainId'),
('ReadReminderRowKey',
 'SELECT GrainId, ReminderName, StartTime, Period, Version FROM reminder_row
   WHERE service_id = @ServiceId AND GrainId = @GrainId AND ReminderName = @ReminderName'),
-- The ring range (begin, end] of the silo asking; the second form is a range that wraps around.
('ReadRangeRows1Key',
 'SELECT GrainId, ReminderName, StartTime, Period, Version FROM reminder_row
   WHERE service_id = @ServiceId AND grain_hash > @BeginHash AND grain_hash <= @EndHash'),
('ReadRangeRows2Key',
 'SELECT GrainId, ReminderName, StartTime, Period, Version FROM reminder_row
   WHERE service_id = @ServiceId AND (grain_hash > @BeginHash OR grain_hash <= @EndHash)'),
('DeleteReminderRowKey',
 'SELECT Deleted FROM reminder_delete(@ServiceId, @GrainId, @ReminderName, @Version)'),
('DeleteReminderRowsKey',
 'DELETE FROM reminder WHERE service_id = @ServiceId')
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText;

-- Which versions of this script were applied, by the SHA-256 of its text: a silo whose script is listed runs none of it.
CREATE TABLE IF NOT EXISTS schema_version
(
    script_sha256 text        NOT NULL PRIMARY KEY,
    applied_at    timestamptz NOT NULL DEFAULT now()
);
