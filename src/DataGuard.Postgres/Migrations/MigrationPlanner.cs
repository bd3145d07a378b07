using DataGuard.Migrations;

namespace DataGuard.Postgres.Migrations;

/// <summary>
/// Decides what a migration run does, from the files and the ledger alone (no I/O): the status of each version, the
/// pending up steps, the down steps of a rollback and the down script each one runs (file or ledger copy), checksum
/// drift, the refusal of dirty versions and of irreversible migrations, and how each step runs (transaction mode).
/// </summary>
internal static class MigrationPlanner
{
    /// <summary>One row per version known to the files or the ledger, ascending.</summary>
    public static IReadOnlyList<MigrationStatusRow> Status(MigrationSet set, IReadOnlyList<LedgerEntry> ledger)
    {
        ArgumentNullException.ThrowIfNull(set);
        ArgumentNullException.ThrowIfNull(ledger);
        var entries = ledger.ToDictionary(e => e.Version);
        var files = set.Migrations.ToDictionary(m => m.Version);
        return [.. files.Keys.Union(entries.Keys).Order().Select(version =>
        {
            files.TryGetValue(version, out var file);
            entries.TryGetValue(version, out var entry);
            var state = entry is null ? "pending" : entry.State switch
            {
                MigrationState.Applied when file is null => "applied-missing-file",
                MigrationState.Applied => "applied",
                MigrationState.Failed => "failed",
                MigrationState.RolledBack => "rolledback",
                _ => "dirty",
            };
            var drifted = entry is { State: MigrationState.Applied } && file is not null && file.UpSha256 != entry.UpSha256;
            var irreversible = file?.Irreversible ?? entry!.Irreversible;
            var missingDown = !irreversible && file?.Down is null && entry?.Down is null;
            return new MigrationStatusRow(version, file?.Title ?? entry!.Title, state, drifted, missingDown, irreversible) { Error = entry?.Error };
        })];
    }

    /// <summary>The up steps of the migrations not applied (never run, failed or rolled back), in version order, up to <paramref name="toVersion"/>. Refuses nothing: this is what a run would take.</summary>
    public static IReadOnlyList<MigrationStep> PlanUp(MigrationSet set, IReadOnlyList<LedgerEntry> ledger, long? toVersion)
    {
        ArgumentNullException.ThrowIfNull(set);
        ArgumentNullException.ThrowIfNull(ledger);
        var applied = ledger.Where(e => e.State == MigrationState.Applied).Select(e => e.Version).ToHashSet();
        return [.. set.Migrations
            .Where(m => !applied.Contains(m.Version) && (toVersion is null || m.Version <= toVersion))
            .Select(m => new MigrationStep { Version = m.Version, Title = m.Title, IsUp = true, Script = m.Up, Mode = ModeOf(m.NoTransaction, m.Up), Migration = m, Source = m.Source, LineOffset = m.UpLineOffset })];
    }

    /// <summary>The up steps of a run: refuses a dirty ledger, and applied files that changed unless <paramref name="allowDrift"/>.</summary>
    /// <exception cref="DataGuardException">A version is dirty, or applied files drifted.</exception>
    public static IReadOnlyList<MigrationStep> Up(MigrationSet set, IReadOnlyList<LedgerEntry> ledger, long? toVersion, bool allowDrift)
    {
        ArgumentNullException.ThrowIfNull(set);
        RefuseDirty(ledger);
        var drifted = Drifted(set, ledger);
        if (drifted.Count > 0 && !allowDrift)
        {
            throw new DataGuardException($"Applied migrations changed since they ran (checksum drift): {string.Join(", ", drifted)}. Restore the files, or run with --allow-drift.") { Operation = "migrate.up" };
        }

        return PlanUp(set, ledger, toVersion);
    }

    /// <summary>The sources of the applied migrations whose up script differs from the one that ran.</summary>
    public static IReadOnlyList<string> Drifted(MigrationSet set, IReadOnlyList<LedgerEntry> ledger)
    {
        ArgumentNullException.ThrowIfNull(set);
        ArgumentNullException.ThrowIfNull(ledger);
        return [.. ledger.Where(e => e.State == MigrationState.Applied)
            .Join(set.Migrations, e => e.Version, m => m.Version, (e, m) => (e, m))
            .Where(p => p.e.UpSha256 != p.m.UpSha256).Select(p => p.m.Source)];
    }

    /// <summary>
    /// The down steps of a rollback, newest first: one deploy, everything above a version, the newest N, or the newest
    /// one. Refuses (before anything runs) an irreversible migration, one without a down script, and a down script that
    /// differs between the file and the ledger unless <see cref="DownRequest.Prefer"/> says which wins.
    /// </summary>
    /// <exception cref="DataGuardException">The rollback cannot run as asked; nothing was run.</exception>
    public static IReadOnlyList<MigrationStep> PlanDown(MigrationSet set, IReadOnlyList<LedgerEntry> ledger, DownRequest request)
    {
        ArgumentNullException.ThrowIfNull(set);
        ArgumentNullException.ThrowIfNull(ledger);
        ArgumentNullException.ThrowIfNull(request);
        var applied = ledger.Where(e => e.State == MigrationState.Applied).OrderByDescending(e => e.Version).ToList();
        var targets = request switch
        {
            { Deploy: { } deploy } => applied.Where(e => e.DeployId == deploy).ToList(),
            { ToVersion: { } to } => applied.Where(e => e.Version > to).ToList(),
            { Steps: { } count } => applied.Take(count).ToList(),
            _ => applied.Take(1).ToList(),
        };
        var files = set.Migrations.ToDictionary(m => m.Version);
        var steps = new List<MigrationStep>();
        foreach (var entry in targets)
        {
            files.TryGetValue(entry.Version, out var file);
            if (entry.Irreversible || file?.Irreversible == true)
            {
                throw new DataGuardException($"Version {entry.Version} ({entry.Title}) is irreversible; the rollback stops before it and nothing was run.") { Operation = "migrate.down" };
            }

            var script = ChooseDown(entry, file, request.Prefer);
            var fromFile = file?.Down is { } down && string.Equals(down, script, StringComparison.Ordinal);
            steps.Add(new MigrationStep
            {
                Version = entry.Version,
                Title = entry.Title,
                IsUp = false,
                Script = script,
                Mode = ModeOf(entry.NoTransaction, script),
                Entry = entry,
                Source = fromFile ? file!.DownSource ?? file.Source : $"the ledger's copy of version {entry.Version}'s down script",
                LineOffset = fromFile ? file!.DownLineOffset : 0,
            });
        }

        return steps;
    }

    /// <summary>The down steps of a run: refuses a dirty ledger first, then plans as <see cref="PlanDown"/>.</summary>
    /// <exception cref="DataGuardException">A version is dirty, or the rollback cannot run as asked.</exception>
    public static IReadOnlyList<MigrationStep> Down(MigrationSet set, IReadOnlyList<LedgerEntry> ledger, DownRequest request)
    {
        RefuseDirty(ledger);
        return PlanDown(set, ledger, request);
    }

    /// <summary>Refuses to run while a version is dirty: its script ran outside a transaction and did not finish.</summary>
    /// <exception cref="DataGuardException">A version is dirty.</exception>
    public static void RefuseDirty(IReadOnlyList<LedgerEntry> ledger)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        var dirty = ledger.FirstOrDefault(e => e.State == MigrationState.Dirty);
        if (dirty is not null)
        {
            throw new DataGuardException($"Version {dirty.Version} ({dirty.Title}) is dirty: it ran outside a transaction and did not finish ({dirty.Error}). Inspect the schema, then run 'dataguard migrate resolve {dirty.Version} --applied' or '--rolled-back'.") { Operation = "migrate" };
        }
    }

    /// <summary>The ledger row <c>migrate resolve</c> changes.</summary>
    /// <exception cref="DataGuardException">The version is not in the ledger.</exception>
    public static LedgerEntry ResolveTarget(IReadOnlyList<LedgerEntry> ledger, long version)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        return ledger.FirstOrDefault(e => e.Version == version)
            ?? throw new DataGuardException($"Version {version} is not in the ledger.") { Operation = "migrate.resolve" };
    }

    /// <summary>
    /// How a script runs: outside any transaction, statement by statement, when marked so or when it holds a statement
    /// PostgreSQL refuses in a transaction block (<c>CREATE INDEX CONCURRENTLY</c>, <c>VACUUM</c>, ...: no directive
    /// needed); in its own when it has <c>BEGIN</c>/<c>COMMIT</c>; else in DataGuard's, together with its ledger row.
    /// </summary>
    public static MigrationTransactionMode ModeOf(bool noTransaction, string script) =>
        noTransaction || ScriptAnalysis.NeedsNoTransaction(script) ? MigrationTransactionMode.NoTransaction
        : ScriptAnalysis.ManagesOwnTransaction(script) ? MigrationTransactionMode.OwnTransaction
        : MigrationTransactionMode.InTransaction;

    /// <summary>The down script of a rollback: the file's or the ledger's copy; when both exist and differ, <paramref name="prefer"/> decides.</summary>
    /// <exception cref="DataGuardException">No down script, or two different ones and no preference.</exception>
    public static string ChooseDown(LedgerEntry entry, Migration? file, string? prefer)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var fromFile = file?.Down;
        var fromLedger = entry.Down;
        if (fromFile is null && fromLedger is null)
        {
            throw new DataGuardException($"Version {entry.Version} ({entry.Title}) has no down script, in the files or in the ledger; nothing was run.") { Operation = "migrate.down" };
        }

        if (fromFile is null || fromLedger is null || MigrationDirectory.Sha256(fromFile) == entry.DownSha256)
        {
            return fromFile ?? fromLedger!;
        }

        return prefer switch
        {
            "file" => fromFile,
            "ledger" => fromLedger,
            _ => throw new DataGuardException($"Version {entry.Version}: the down script in the files differs from the one recorded when it was applied; choose with --prefer file or --prefer ledger. Nothing was run.") { Operation = "migrate.down" },
        };
    }
}
