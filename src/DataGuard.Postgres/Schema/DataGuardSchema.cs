using System.Collections.Concurrent;
using Npgsql;

namespace DataGuard.Postgres.Schema;

/// <summary>
/// The one owner of DataGuard's own tables (the <c>dataguard</c> schema): an ordered list of upgrade steps, and the
/// table <c>dataguard.schema_version</c> recording which ran. Every connection that uses these tables comes through
/// <see cref="EnsureAsync"/>: once per process and database, under an advisory lock (two hosts starting together
/// upgrade once), in one transaction (a failed step leaves the schema as it was). A database created by an earlier
/// release (the tables without the version table) is adopted: step 1 is that release's schema, written to create only
/// what is missing.
/// </summary>
internal static class DataGuardSchema
{
    /// <summary>The steps, in order; append new ones, never change one that has shipped.</summary>
    public static readonly IReadOnlyList<SchemaStep> Steps =
    [
        new(1, "release 1: migration ledger and history, legal holds, retention audit, export jobs", """
            CREATE TABLE IF NOT EXISTS dataguard.export_jobs (
                id uuid PRIMARY KEY,
                subject text NOT NULL,
                formats text[] NOT NULL,
                status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'running', 'ready', 'failed', 'expired')),
                requested_by text NOT NULL,
                requested_at timestamptz NOT NULL DEFAULT now(),
                attempts int NOT NULL DEFAULT 0,
                claimed_by text,
                claim_token uuid,
                heartbeat_at timestamptz,
                started_at timestamptz,
                finished_at timestamptz,
                expires_at timestamptz,
                artifacts jsonb,
                error text);
            CREATE INDEX IF NOT EXISTS export_jobs_subject ON dataguard.export_jobs (subject, requested_at DESC);
            CREATE INDEX IF NOT EXISTS export_jobs_open ON dataguard.export_jobs (requested_at) WHERE status IN ('pending', 'running');
            CREATE TABLE IF NOT EXISTS dataguard.migrations (
                version bigint PRIMARY KEY,
                title text NOT NULL,
                state text NOT NULL CHECK (state IN ('applied', 'failed', 'rolledback', 'dirty')),
                up_sha256 text NOT NULL,
                down_sha256 text,
                down_script text,
                no_transaction boolean NOT NULL DEFAULT false,
                irreversible boolean NOT NULL DEFAULT false,
                applied_at timestamptz NOT NULL DEFAULT now(),
                applied_by text NOT NULL,
                execution_ms bigint NOT NULL DEFAULT 0,
                deploy_id text NOT NULL,
                error text);
            CREATE TABLE IF NOT EXISTS dataguard.migration_history (
                id bigserial PRIMARY KEY,
                version bigint NOT NULL,
                direction text NOT NULL,
                outcome text NOT NULL,
                at timestamptz NOT NULL DEFAULT now(),
                by text NOT NULL,
                duration_ms bigint NOT NULL DEFAULT 0,
                deploy_id text,
                error text);
            CREATE OR REPLACE FUNCTION dataguard.migration_history_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'dataguard.migration_history is append-only';
            END $$;
            DROP TRIGGER IF EXISTS append_only ON dataguard.migration_history;
            CREATE TRIGGER append_only BEFORE UPDATE OR DELETE ON dataguard.migration_history
                FOR EACH ROW EXECUTE FUNCTION dataguard.migration_history_append_only();
            CREATE TABLE IF NOT EXISTS dataguard.legal_holds (
                id bigserial PRIMARY KEY,
                table_name text NOT NULL,
                column_name text NOT NULL,
                value text NOT NULL,
                reason text NOT NULL,
                placed_by text NOT NULL,
                placed_at timestamptz NOT NULL DEFAULT now(),
                released_at timestamptz,
                released_by text);
            CREATE TABLE IF NOT EXISTS dataguard.retention_runs (
                id bigserial PRIMARY KEY,
                started_at timestamptz NOT NULL DEFAULT now(),
                finished_at timestamptz,
                dry_run boolean NOT NULL,
                run_by text NOT NULL);
            CREATE TABLE IF NOT EXISTS dataguard.retention_results (
                id bigserial PRIMARY KEY,
                run_id bigint NOT NULL REFERENCES dataguard.retention_runs (id),
                policy text NOT NULL,
                action text NOT NULL,
                rows_affected bigint NOT NULL,
                rows_held bigint NOT NULL,
                batches int NOT NULL,
                longest_batch_ms bigint NOT NULL,
                duration_ms bigint NOT NULL,
                oldest timestamptz,
                newest timestamptz,
                error text);
            ALTER TABLE dataguard.retention_results ADD COLUMN IF NOT EXISTS details jsonb;
            ALTER TABLE dataguard.legal_holds ADD COLUMN IF NOT EXISTS kind text NOT NULL DEFAULT 'table';
            """),
        new(2, "legal holds follow their table (oid, column number); placing a hold waits for running retention batches", """
            ALTER TABLE dataguard.legal_holds ADD COLUMN IF NOT EXISTS table_oid oid;
            ALTER TABLE dataguard.legal_holds ADD COLUMN IF NOT EXISTS column_number smallint;
            -- Holds placed before they recorded their table's identity: pin them to the table of that name, if it exists.
            UPDATE dataguard.legal_holds h SET table_oid = c.oid, column_number = a.attnum
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
            WHERE h.kind = 'table' AND h.table_oid IS NULL AND h.released_at IS NULL
              AND n.nspname = split_part(h.table_name, '.', 1) AND c.relname = substr(h.table_name, length(split_part(h.table_name, '.', 1)) + 2)
              AND a.attname = h.column_name;
            CREATE OR REPLACE FUNCTION dataguard.legal_holds_lock() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              -- Placing or changing a hold waits for running retention batches, which hold this lock shared; the next batch sees the hold.
              PERFORM pg_advisory_xact_lock(hashtextextended('dataguard.legal_holds', 0));
              RETURN NULL;
            END $$;
            CREATE OR REPLACE TRIGGER legal_holds_lock BEFORE INSERT OR UPDATE ON dataguard.legal_holds
              FOR EACH STATEMENT EXECUTE FUNCTION dataguard.legal_holds_lock();
            CREATE OR REPLACE FUNCTION dataguard.legal_holds_identity() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              -- A hold inserted by hand (or by an earlier release) names its table: pin it to that table's identity now,
              -- so that it follows a rename or a move.
              IF NEW.kind = 'table' AND NEW.table_oid IS NULL THEN
                SELECT c.oid, a.attnum INTO NEW.table_oid, NEW.column_number
                FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                WHERE n.nspname = split_part(NEW.table_name, '.', 1) AND c.relname = substr(NEW.table_name, length(split_part(NEW.table_name, '.', 1)) + 2)
                  AND a.attname = NEW.column_name;
              END IF;
              RETURN NEW;
            END $$;
            CREATE OR REPLACE TRIGGER legal_holds_identity BEFORE INSERT ON dataguard.legal_holds
              FOR EACH ROW EXECUTE FUNCTION dataguard.legal_holds_identity();
            """),
        new(3, "migration ledger records where each migration came from (SQL files, or an EF Core context: its migration id, history table and generated up script)", """
            ALTER TABLE dataguard.migrations ADD COLUMN IF NOT EXISTS source_kind text NOT NULL DEFAULT 'sql';
            ALTER TABLE dataguard.migrations ADD COLUMN IF NOT EXISTS source_id text;
            ALTER TABLE dataguard.migrations ADD COLUMN IF NOT EXISTS source_context text;
            ALTER TABLE dataguard.migrations ADD COLUMN IF NOT EXISTS history_table text;
            ALTER TABLE dataguard.migrations ADD COLUMN IF NOT EXISTS up_script text;
            """),
        new(4, "export jobs count the attempts lost to an outage of storage or PostgreSQL apart (they do not use up MaxAttempts)", """
            ALTER TABLE dataguard.export_jobs ADD COLUMN IF NOT EXISTS outages int NOT NULL DEFAULT 0;
            """),
    ];

    private static readonly ConcurrentDictionary<string, Lazy<Task>> Ensured = new(StringComparer.Ordinal);

    /// <summary>Gets the version this release brings the schema to.</summary>
    public static int Latest => Steps[^1].Version;

    /// <summary>Opens a connection from DataGuard's data source with the schema brought up to date.</summary>
    public static async Task<NpgsqlConnection> OpenAsync(DataGuardDataSource dataSource, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await EnsureAsync(connection, cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Brings the schema up to date, once per process and database (later calls return at once).</summary>
    public static Task EnsureAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var key = $"{connection.Host}:{connection.Port}/{connection.Database}";
        var ensure = Ensured.GetOrAdd(key, _ => new Lazy<Task>(() => UpgradeAsync(connection, cancellationToken)));
        if (ensure.Value.IsFaulted || ensure.Value.IsCanceled)
        {
            // A failed attempt (the database was down, a lock timed out) is tried again by the next caller.
            Ensured.TryRemove(new KeyValuePair<string, Lazy<Task>>(key, ensure));
        }

        return ensure.Value;
    }

    /// <summary>
    /// Reads the version of DataGuard's tables without changing anything (a read-only role can call it):
    /// <see langword="null"/> when the <c>dataguard</c> schema does not exist, 0 when it exists without
    /// <c>dataguard.schema_version</c> (an earlier release's tables, or none), else the highest step recorded.
    /// </summary>
    public static async Task<int?> ReadVersionAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var probe = new NpgsqlCommand("SELECT to_regnamespace('dataguard') IS NOT NULL, to_regclass('dataguard.schema_version') IS NOT NULL", connection);
        bool schema, table;
        await using (probe.ConfigureAwait(false))
        {
            var reader = await probe.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                schema = reader.GetBoolean(0);
                table = reader.GetBoolean(1);
            }
        }

        if (!table)
        {
            return schema ? 0 : null;
        }

        var command = new NpgsqlCommand("SELECT coalesce(max(version), 0) FROM dataguard.schema_version", connection);
        await using var commandScope = command.ConfigureAwait(false);
        return (int)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>
    /// Runs the steps the database has not had, in one transaction under the schema lock. Returns the version reached.
    /// A schema already at the version asked for is only read: no lock, no DDL, so a role without CREATE rights can use
    /// a current schema.
    /// </summary>
    public static async Task<int> UpgradeAsync(NpgsqlConnection connection, CancellationToken cancellationToken, int? upTo = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        if (await ReadVersionAsync(connection, cancellationToken).ConfigureAwait(false) is { } installed && installed >= (upTo ?? Latest))
        {
            return installed;
        }

        var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (transaction.ConfigureAwait(false))
        {
            await ExecuteAsync(
                connection,
                transaction,
                """
                SELECT pg_advisory_xact_lock(hashtextextended('dataguard.schema', 0));
                CREATE SCHEMA IF NOT EXISTS dataguard;
                CREATE TABLE IF NOT EXISTS dataguard.schema_version (
                    version int PRIMARY KEY,
                    description text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now(),
                    applied_by text NOT NULL DEFAULT current_user)
                """,
                cancellationToken).ConfigureAwait(false);
            var current = await CurrentAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
            foreach (var step in Steps.Where(s => s.Version > current && s.Version <= (upTo ?? Latest)))
            {
                try
                {
                    await ExecuteAsync(connection, transaction, step.Sql, cancellationToken).ConfigureAwait(false);
                }
                catch (PostgresException ex)
                {
                    throw new DataGuardException($"Upgrading DataGuard's tables (schema dataguard) from version {current} failed at step {step.Version} ({step.Description}): {ex.SqlState}: {ex.MessageText}. Nothing was changed.", ex) { Operation = "schema.upgrade" };
                }

                var record = new NpgsqlCommand("INSERT INTO dataguard.schema_version (version, description) VALUES (@v, @d)", connection, transaction);
                await using (record.ConfigureAwait(false))
                {
                    record.Parameters.AddWithValue("v", step.Version);
                    record.Parameters.AddWithValue("d", step.Description);
                    await record.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                current = step.Version;
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return current;
        }
    }

    private static async Task<int> CurrentAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        var command = new NpgsqlCommand("SELECT coalesce(max(version), 0) FROM dataguard.schema_version", connection, transaction);
        await using var commandScope = command.ConfigureAwait(false);
        return (int)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        var command = new NpgsqlCommand(sql, connection, transaction);
        await using var commandScope = command.ConfigureAwait(false);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
