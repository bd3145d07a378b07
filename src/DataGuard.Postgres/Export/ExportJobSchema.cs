namespace DataGuard.Postgres.Export;

/// <summary>The table of self-service export jobs in the <c>dataguard</c> schema.</summary>
internal static class ExportJobSchema
{
    public const string Create = """
        CREATE SCHEMA IF NOT EXISTS dataguard;
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
        """;
}
