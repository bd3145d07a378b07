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
        CREATE OR REPLACE FUNCTION dataguard.legal_holds_lock() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          -- Placing or changing a hold waits for running retention batches, which hold this lock shared; the next batch sees the hold.
          PERFORM pg_advisory_xact_lock(hashtextextended('dataguard.legal_holds', 0));
          RETURN NULL;
        END $$;
        CREATE OR REPLACE TRIGGER legal_holds_lock BEFORE INSERT OR UPDATE ON dataguard.legal_holds
          FOR EACH STATEMENT EXECUTE FUNCTION dataguard.legal_holds_lock();
        """;

    /// <summary>
    /// Opens a connection for retention or legal holds, with the tables in place and the session's time zone set to
    /// UTC: nothing read or written depends on what the server, the database or the role says. JIT is off: the
    /// planner's estimates for the recursive hold checks on small or unanalysed tables trigger a compilation that
    /// costs a second or more for a statement that runs in milliseconds.
    /// </summary>
    public static async Task<NpgsqlConnection> OpenAsync(string? connectionString, CancellationToken cancellationToken)
    {
        var connection = await SchemaConnection.OpenAsync(connectionString, Create, cancellationToken).ConfigureAwait(false);
        try
        {
            var command = new NpgsqlCommand("SET TIME ZONE 'UTC'; SET jit = off", connection);
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
