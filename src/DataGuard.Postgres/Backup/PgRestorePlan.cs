namespace DataGuard.Postgres.Backup;

/// <summary>What a preset restores of an archive: the <c>pg_restore --use-list</c> lines, and session settings.</summary>
/// <param name="Entries">The table-of-contents lines to restore, in the archive's order (a line starting with ';' is a comment).</param>
/// <param name="SessionSettings">Settings for pg_restore's session (<c>PGOPTIONS</c>), such as <c>session_replication_role=replica</c>; empty for none.</param>
internal sealed record PgRestorePlan(IReadOnlyList<string> Entries, IReadOnlyDictionary<string, string> SessionSettings);
