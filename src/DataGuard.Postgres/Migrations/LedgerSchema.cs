namespace DataGuard.Postgres.Migrations;

/// <summary>The ledger's statements (its tables belong to <see cref="Schema.DataGuardSchema"/>; the history is append-only, a trigger refuses changes).</summary>
internal static class LedgerSchema
{
    public const string Upsert = """
        INSERT INTO dataguard.migrations (version, title, state, up_sha256, down_sha256, down_script, no_transaction, irreversible, applied_at, applied_by, execution_ms, deploy_id, error, source_kind, source_id, source_context, history_table, up_script)
        VALUES (@version, @title, @state, @up_sha, @down_sha, @down, @no_tx, @irreversible, now(), (current_user || ' via ' || @app), @ms, @deploy, @error, @source_kind, @source_id, @source_context, @history_table, @up_script)
        ON CONFLICT (version) DO UPDATE SET title = excluded.title, state = excluded.state, up_sha256 = excluded.up_sha256,
            down_sha256 = excluded.down_sha256, down_script = excluded.down_script, no_transaction = excluded.no_transaction,
            irreversible = excluded.irreversible, applied_at = excluded.applied_at, applied_by = excluded.applied_by,
            execution_ms = excluded.execution_ms, deploy_id = excluded.deploy_id, error = excluded.error,
            source_kind = excluded.source_kind, source_id = excluded.source_id, source_context = excluded.source_context, history_table = excluded.history_table, up_script = excluded.up_script
        """;

    public const string SetState = "UPDATE dataguard.migrations SET state = @state, applied_at = now(), applied_by = (current_user || ' via ' || @app), error = @error WHERE version = @version";

    public const string SetError = "UPDATE dataguard.migrations SET state = coalesce(@state, state), error = @error WHERE version = @version";

    public const string History = "INSERT INTO dataguard.migration_history (version, direction, outcome, by, duration_ms, deploy_id, error) VALUES (@version, @direction, @outcome, (current_user || ' via ' || @app), @ms, @deploy, @error)";
}
