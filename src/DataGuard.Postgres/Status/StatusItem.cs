namespace DataGuard.Postgres.Status;

/// <summary>One part of the <see cref="StatusReport"/>.</summary>
/// <param name="Part">The part (backup, pitr, wal, drill, retention, migrations, export).</param>
/// <param name="State">Its state.</param>
/// <param name="Summary">What an operator needs to know, in one sentence.</param>
internal sealed record StatusItem(string Part, StatusState State, string Summary);
