using System.CommandLine;
using System.Text;
using DataGuard.Backup;
using Microsoft.Extensions.DependencyInjection;

namespace DataGuard.Cli.Commands;

/// <summary><c>dataguard backup run | list | show ID | verify ID|latest | prune [--dry-run] | forget ID [--confirm]</c>.</summary>
internal static class BackupCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var command = new Command("backup", "Make, list, inspect, verify and prune backups.");
        command.Subcommands.Add(Run(output, error));
        command.Subcommands.Add(List(output));
        command.Subcommands.Add(Show(output));
        command.Subcommands.Add(Verify(output, error));
        command.Subcommands.Add(Prune(output));
        command.Subcommands.Add(Forget(output, error));
        return command;
    }

    private static Command Run(TextWriter output, TextWriter error)
    {
        var kind = new Option<string>("--kind") { Description = "logical (pg_dump, the default) or physical (pg_basebackup, for point-in-time recovery).", DefaultValueFactory = _ => "logical" };
        kind.AcceptOnlyFromAmong("logical", "physical");
        var command = new Command("run", "Back up now, verify the backup and store its manifest.") { kind };
        command.SetAction(async (parse, ct) =>
        {
            var json = parse.GetValue(GlobalOptions.Json);
            await using var services = CliServices.Build(parse.GetValue(GlobalOptions.Config));
            using var progress = new CliProgress(error, json);
            var manifest = await services.GetRequiredService<BackupService>().RunAsync(parse.GetValue(kind)!, progress: progress, cancellationToken: ct);
            progress.Dispose();
            await WriteManifestAsync(output, manifest, json);
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command List(TextWriter output)
    {
        var command = new Command("list", "List the backups (newest first) and any orphaned data.");
        command.SetAction(async (parse, ct) =>
        {
            await using var services = CliServices.Build(parse.GetValue(GlobalOptions.Config));
            var catalog = await services.GetRequiredService<BackupService>().GetCatalogAsync(ct);
            if (parse.GetValue(GlobalOptions.Json))
            {
                var document = new BackupListJson(
                    [.. catalog.Backups.Select(b => new BackupListJson.Backup(b.Id, b.Kind, b.Database, b.StartedAt, b.CompletedAt, b.RawSize, b.StoredSize, b.Status, b.Encryption is not null))],
                    catalog.Orphans,
                    [.. catalog.Unreadable.Select(u => new BackupListJson.UnreadableLine(u.Id, u.Reason, u.Size, u.LastModified, u.Keys))]);
                await output.WriteLineAsync(CliJson.Serialize(document));
                return ExitCodes.Success;
            }

            if (catalog.Backups.Count == 0)
            {
                await output.WriteLineAsync(catalog.Unreadable.Count == 0 ? "No backups." : "No readable backups.");
            }
            else
            {
                await output.WriteLineAsync($"{"ID",-36} {"DATABASE",-16} {"STARTED (UTC)",-20} {"STORED",10} {"RAW",10}  STATUS");
                foreach (var b in catalog.Backups)
                {
                    await output.WriteLineAsync($"{b.Id,-36} {b.Database,-16} {b.StartedAt.UtcDateTime,-20:yyyy-MM-dd HH:mm:ss} {CliProgress.Bytes(b.StoredSize),10} {CliProgress.Bytes(b.RawSize),10}  {b.Status}{(b.Encryption is null ? string.Empty : " (encrypted)")}");
                }
            }

            foreach (var orphan in catalog.Orphans)
            {
                await output.WriteLineAsync($"orphan: {orphan.Id} ({CliProgress.Bytes(orphan.Size)}, no manifest: a failed or interrupted backup; 'dataguard backup prune' removes it)");
            }

            foreach (var unreadable in catalog.Unreadable)
            {
                await output.WriteLineAsync($"UNREADABLE: {unreadable.Id} ({CliProgress.Bytes(unreadable.Size)}): {unreadable.Reason}. Quarantined: prune keeps it; decide with 'dataguard backup forget {unreadable.Id}'");
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Show(TextWriter output)
    {
        var id = new Argument<string>("id") { Description = "The backup id, or 'latest'." };
        var command = new Command("show", "Print a backup's manifest.") { id };
        command.SetAction(async (parse, ct) =>
        {
            await using var services = CliServices.Build(parse.GetValue(GlobalOptions.Config));
            var manifest = await services.GetRequiredService<BackupService>().GetAsync(parse.GetValue(id)!, ct);
            await output.WriteLineAsync(Encoding.UTF8.GetString(ManifestSerializer.Serialize(manifest)));
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Verify(TextWriter output, TextWriter error)
    {
        var id = new Argument<string>("id") { Description = "The backup id, or 'latest'." };
        var command = new Command("verify", "Read a backup back: size and SHA-256, full decryption and decompression, table of contents; record the outcome.") { id };
        command.SetAction(async (parse, ct) =>
        {
            var json = parse.GetValue(GlobalOptions.Json);
            await using var services = CliServices.Build(parse.GetValue(GlobalOptions.Config));
            using var progress = new CliProgress(error, json);
            var manifest = await services.GetRequiredService<BackupService>().VerifyAsync(parse.GetValue(id)!, progress, ct);
            progress.Dispose();
            var verification = manifest.Verification!;
            if (json)
            {
                await output.WriteLineAsync(CliJson.Serialize(new BackupVerifyJson(manifest.Id, verification.Succeeded, verification.Detail, verification.VerifiedAt, verification.DurationSeconds)));
            }
            else
            {
                await output.WriteLineAsync($"{(verification.Succeeded ? "OK  " : "FAIL")}  {manifest.Id}: {verification.Detail} ({verification.DurationSeconds:F1} s)");
            }

            return verification.Succeeded ? ExitCodes.Success : ExitCodes.Failure;
        });
        return command;
    }

    private static Command Prune(TextWriter output)
    {
        var dryRun = new Option<bool>("--dry-run") { Description = "List what would be deleted; delete nothing." };
        var command = new Command("prune", "Delete backups that retention no longer keeps, and old orphaned data.") { dryRun };
        command.SetAction(async (parse, ct) =>
        {
            await using var services = CliServices.Build(parse.GetValue(GlobalOptions.Config));
            var result = await services.GetRequiredService<BackupService>().PruneAsync(parse.GetValue(dryRun), ct);
            if (parse.GetValue(GlobalOptions.Json))
            {
                var document = new BackupPruneJson(
                    result.DryRun,
                    [.. result.Decisions.Select(d => new BackupPruneJson.Decision(d.Backup.Id, d.Keep, d.KeptBecause))],
                    [.. result.Orphans.Select(o => o.Id)],
                    [.. result.OrphansWithinGrace.Select(o => o.Id)],
                    [.. result.Unreadable.Select(u => new BackupPruneJson.UnreadableId(u.Id, u.Reason))],
                    result.ExpiredWal,
                    result.WalRetentionHeldBecause);
                await output.WriteLineAsync(CliJson.Serialize(document));
                return ExitCodes.Success;
            }

            var verb = result.DryRun ? "would delete" : "deleted";
            foreach (var decision in result.Decisions)
            {
                await output.WriteLineAsync(decision.Keep ? $"keep          {decision.Backup.Id}  ({decision.KeptBecause})" : $"{verb,-13} {decision.Backup.Id}");
            }

            foreach (var orphan in result.Orphans)
            {
                await output.WriteLineAsync($"{verb,-13} {orphan.Id}  (orphaned data, {CliProgress.Bytes(orphan.Size)})");
            }

            if (result.ExpiredWal.Count > 0)
            {
                await output.WriteLineAsync($"{verb,-13} {result.ExpiredWal.Count} archived WAL files older than the oldest kept base backup ({result.ExpiredWal[0]} .. {result.ExpiredWal[^1]})");
            }

            foreach (var orphan in result.OrphansWithinGrace)
            {
                await output.WriteLineAsync($"keep          {orphan.Id}  (orphaned data younger than the grace period: perhaps a backup in progress)");
            }

            foreach (var unreadable in result.Unreadable)
            {
                await output.WriteLineAsync($"keep          {unreadable.Id}  (QUARANTINED: {unreadable.Reason}; never pruned: decide with 'dataguard backup forget {unreadable.Id}')");
            }

            if (result.WalRetentionHeldBecause is { } held)
            {
                await output.WriteLineAsync($"keep          all archived WAL: {held}");
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Forget(TextWriter output, TextWriter error)
    {
        var id = new Argument<string>("id") { Description = "The exact backup id (no 'latest')." };
        var confirm = new Option<bool>("--confirm") { Description = "Delete the folder. Without it, only show what would be deleted." };
        var command = new Command("forget", "Delete a backup that cannot be used, on purpose: one whose manifest cannot be read (quarantined), or orphaned data. Readable backups are refused: prune decides those.") { id, confirm };
        command.SetAction(async (parse, ct) =>
        {
            await using var services = CliServices.Build(parse.GetValue(GlobalOptions.Config));
            var result = await services.GetRequiredService<BackupService>().ForgetAsync(parse.GetValue(id)!, parse.GetValue(confirm), ct);
            if (parse.GetValue(GlobalOptions.Json))
            {
                await output.WriteLineAsync(CliJson.Serialize(result));
            }
            else
            {
                await output.WriteLineAsync($"{result.Id}: {result.State}, {result.Reason}.");
                foreach (var key in result.Keys)
                {
                    await output.WriteLineAsync($"  {(result.Deleted ? "deleted" : "would delete")}  {key}");
                }

                await (result.Deleted ? output : error).WriteLineAsync(result.Deleted
                    ? $"Deleted {result.Keys.Count} objects ({CliProgress.Bytes(result.Size)})."
                    : $"Nothing deleted. These {result.Keys.Count} objects ({CliProgress.Bytes(result.Size)}) may hold the only copy of this backup's data: keep a copy if in doubt, then run 'dataguard backup forget {result.Id} --confirm'.");
            }

            return result.Deleted ? ExitCodes.Success : ExitCodes.Usage;
        });
        return command;
    }

    private static async Task WriteManifestAsync(TextWriter output, BackupManifest manifest, bool json)
    {
        if (json)
        {
            await output.WriteLineAsync(Encoding.UTF8.GetString(ManifestSerializer.Serialize(manifest)));
            return;
        }

        var what = manifest.Wal is { } wal ? $"WAL {wal.StartLsn} to {wal.StopLsn} on timeline {wal.Timeline}" : $"{manifest.TableRowCounts.Count} tables";
        await output.WriteLineAsync($"Backup {manifest.Id} of {manifest.Database}: {CliProgress.Bytes(manifest.RawSize)} raw, {CliProgress.Bytes(manifest.StoredSize)} stored, {what}, {manifest.Status}.");
        await output.WriteLineAsync($"  sha256 {manifest.Sha256}");
    }
}

/// <summary>The <c>--json</c> document of <c>backup list</c>.</summary>
internal sealed record BackupListJson(IReadOnlyList<BackupListJson.Backup> Backups, IReadOnlyList<OrphanedBackup> Orphans, IReadOnlyList<BackupListJson.UnreadableLine> Unreadable)
{
    /// <summary>A backup's line.</summary>
    internal sealed record Backup(string Id, string Kind, string Database, DateTimeOffset StartedAt, DateTimeOffset CompletedAt, long RawSize, long StoredSize, BackupStatus Status, bool Encrypted);

    /// <summary>A backup whose manifest cannot be read.</summary>
    internal sealed record UnreadableLine(string Id, string Reason, long Size, DateTimeOffset LastModified, IReadOnlyList<string> Keys);
}

/// <summary>The <c>--json</c> document of <c>backup verify</c>.</summary>
internal sealed record BackupVerifyJson(string Id, bool Succeeded, string Detail, DateTimeOffset VerifiedAt, double DurationSeconds);

/// <summary>The <c>--json</c> document of <c>backup prune</c>.</summary>
internal sealed record BackupPruneJson(bool DryRun, IReadOnlyList<BackupPruneJson.Decision> Backups, IReadOnlyList<string> Orphans, IReadOnlyList<string> OrphansWithinGrace, IReadOnlyList<BackupPruneJson.UnreadableId> Unreadable, IReadOnlyList<string> ExpiredWal, string? WalRetentionHeldBecause)
{
    /// <summary>What retention decided for a backup.</summary>
    internal sealed record Decision(string Id, bool Keep, string? KeptBecause);

    /// <summary>A backup whose manifest cannot be read.</summary>
    internal sealed record UnreadableId(string Id, string Reason);
}
