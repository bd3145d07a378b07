using Npgsql;

namespace DataGuard.Postgres.Retention;

/// <summary>The retention tables in the <c>dataguard</c> schema: legal holds, and the append-only audit of runs.</summary>
internal static class RetentionSchema
{
    public const string Create = """
        SELECT pg_advisory_xact_lock(hashtextextended('dataguard.schema', 0));
        CREATE SCHEMA IF NOT EXISTS dataguard;
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
        """;

    /// <summary>
    /// The settings of every retention and legal-hold session, whatever the server, database or role say:
    /// <list type="bullet">
    /// <item>time zone UTC, <c>DateStyle</c> ISO, <c>IntervalStyle</c> postgres, all float digits: a hold value is parsed
    /// and printed the same way by whoever places it and by every run;</item>
    /// <item><c>standard_conforming_strings</c> on: a backslash in a literal is a backslash;</item>
    /// <item><c>row_security</c> off: a check that row security would filter fails instead of silently seeing fewer rows
    /// (a held row hidden by a tenant policy would be cascaded away unseen);</item>
    /// <item><c>synchronize_seqscans</c> off: scans start at the table's first page, so a run can resume after the rows it
    /// has passed;</item>
    /// <item>JIT off: the planner's estimates for the recursive hold checks trigger a compilation that costs a second or
    /// more for a statement that runs in milliseconds.</item>
    /// </list>
    /// </summary>
    public const string SessionSettings =
        "SET TIME ZONE 'UTC'; SET DateStyle = 'ISO, YMD'; SET IntervalStyle = 'postgres'; SET extra_float_digits = 3; " +
        "SET standard_conforming_strings = on; SET row_security = off; SET synchronize_seqscans = off; SET jit = off";

    /// <summary>
    /// Opens a connection for retention or legal holds, with the tables in place and the session's time zone set to
    /// UTC and the other <see cref="SessionSettings"/>: nothing read or written depends on what the server, the database
    /// or the role says.
    /// </summary>
    public static async Task<NpgsqlConnection> OpenAsync(string? connectionString, CancellationToken cancellationToken)
    {
        var connection = await SchemaConnection.OpenAsync(connectionString, Create, cancellationToken).ConfigureAwait(false);
        try
        {
            var command = new NpgsqlCommand(SessionSettings, connection);
            await using (command.ConfigureAwait(false))
            {
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}
