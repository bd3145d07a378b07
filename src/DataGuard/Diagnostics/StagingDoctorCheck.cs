using System.Globalization;
using DataGuard.Backup;
using DataGuard.Backup.ParallelDump;
using DataGuard.IO;
using Microsoft.Extensions.Options;

namespace DataGuard.Diagnostics;

/// <summary>
/// Doctor check: staging folders of parallel backups, restores and verifications left on local disk by a process that
/// no longer runs (killed during a backup): they hold unencrypted pg_dump files. Also says whether pg tools die with
/// their host (setpriv) on this machine.
/// </summary>
internal sealed class StagingDoctorCheck(IOptions<BackupOptions> options) : IDoctorCheck
{
    public string Name => "staging";

    public int Order => 250;

    public Task<IReadOnlyList<DoctorCheckResult>> RunAsync(CancellationToken cancellationToken = default)
    {
        string? root;
        try
        {
            root = options.Value.StagingDirectory;
        }
        catch (OptionsValidationException ex)
        {
            return Task.FromResult<IReadOnlyList<DoctorCheckResult>>([DoctorCheckResult.Fail(Name, "not checked: the backup options are invalid", string.Join(" ", OptionsFailures.Of(ex)))]);
        }

        var folder = StagingFolder.RootOf(root);
        IReadOnlyList<StagingLeftover> found;
        try
        {
            found = StagingFolder.Find(root);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return Task.FromResult<IReadOnlyList<DoctorCheckResult>>([DoctorCheckResult.Fail(Name, $"{folder} cannot be listed: {ex.Message}", "check DataGuard:Backup:StagingDirectory and its permissions")]);
        }

        var results = new List<DoctorCheckResult>();
        var abandoned = found.Where(f => f.Owner == StagingOwner.Gone).ToList();
        var unknown = found.Where(f => f.Owner is StagingOwner.Unknown or StagingOwner.OtherHost).ToList();
        var inUse = found.Count(f => f.Owner == StagingOwner.Running);
        if (abandoned.Count == 0)
        {
            results.Add(DoctorCheckResult.Ok(Name, $"{folder}: no abandoned staging folder{(inUse > 0 ? $" ({inUse} in use by running processes)" : string.Empty)}"));
        }
        else
        {
            results.Add(DoctorCheckResult.Fail(
                Name,
                $"{abandoned.Count} staging folder(s) in {folder} were left by killed processes and hold unencrypted dump files: {Describe(abandoned)}",
                "the next backup run deletes them, or remove them now: rm -rf <folder>"));
        }

        if (unknown.Count > 0)
        {
            // An older version names no owner: such a folder may belong to one still running, so this is no failure.
            results.Add(DoctorCheckResult.Ok($"{Name} unknown", $"{unknown.Count} staging folder(s) whose owner cannot be told from here (made by an older DataGuard, or by another host or container sharing the folder) may hold unencrypted dump files: {Describe(unknown)}; once their owner no longer runs, remove them by hand"));
        }

        results.Add(DoctorCheckResult.Ok(
            $"{Name} tools",
            ChildProcessLauncher.Wrapper is { } setpriv
                ? $"pg_dump, pg_restore and pg_basebackup die with their host ({setpriv} --pdeathsig TERM)"
                : "setpriv with --pdeathsig is not available (util-linux >= 2.33, Linux only): a pg tool may outlive a killed host until the next backup's staging sweep"));
        return Task.FromResult<IReadOnlyList<DoctorCheckResult>>(results);
    }

    private static string Describe(IEnumerable<StagingLeftover> folders) =>
        string.Join("; ", folders.Take(5).Select(f => $"{f.Path} ({f.Bytes.ToString(CultureInfo.InvariantCulture)} bytes{(f.Owner == StagingOwner.Gone ? $", process {f.OwnerProcessId} no longer runs" : f.Owner == StagingOwner.OtherHost ? $", process {f.OwnerProcessId} of another host" : string.Empty)})"));
}
