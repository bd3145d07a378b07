namespace DataGuard.Postgres.Migrations;

/// <summary>The ledger's tables in the <c>dataguard</c> schema; the history is append-only (a trigger refuses changes).</summary>
internal static class LedgerSchema
{
    public const string Create = """
        CREATE SCHEMA IF NOT EXISTS dataguard;
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
        """;

    public const string Upsert = """
        INSERT INTO dataguard.migrations (version, title, state, up_sha256, down_sha256, down_script, no_transaction, irreversible, applied_at, applied_by, execution_ms, deploy_id, error)
        VALUES (@version, @title, @state, @up_sha, @down_sha, @down, @no_tx, @irreversible, now(), (current_user || ' via ' || @app), @ms, @deploy, @error)
        ON CONFLICT (version) DO UPDATE SET title = excluded.title, state = excluded.state, up_sha256 = excluded.up_sha256,
            down_sha256 = excluded.down_sha256, down_script = excluded.down_script, no_transaction = excluded.no_transaction,
            irreversible = excluded.irreversible, applied_at = excluded.applied_at, applied_by = excluded.applied_by,
            execution_ms = excluded.execution_ms, deploy_id = excluded.deploy_id, error = excluded.error
        """;

    public const string SetState = "UPDATE dataguard.migrations SET state = @state, applied_at = now(), applied_by = (current_user || ' via ' || @app), error = @error WHERE version = @version";

    public const string History = "INSERT INTO dataguard.migration_history (version, direction, outcome, by, duration_ms, deploy_id, error) VALUES (@version, @direction, @outcome, (current_user || ' via ' || @app), @ms, @deploy, @error)";
}
