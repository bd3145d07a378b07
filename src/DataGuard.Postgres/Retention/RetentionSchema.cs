namespace DataGuard.Postgres.Retention;

/// <summary>The retention tables in the <c>dataguard</c> schema: legal holds, and the append-only audit of runs.</summary>
internal static class RetentionSchema
{
    public const string Create = """
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
        """;
}
